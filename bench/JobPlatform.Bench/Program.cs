using System.CommandLine;
using JobPlatform.AppHost.Testing;
using JobPlatform.Bench;
using JobPlatform.Bench.Soak;

var tasks = new Option<int>("--tasks") { Description = "No-op tasks in the end-to-end job, and Hangfire jobs in the baseline.", DefaultValueFactory = _ => 20_000 };
var workers = new Option<int>("--workers") { Description = "Worker replicas.", DefaultValueFactory = _ => 3 };
var runs = new Option<int>("--runs") { Description = "End-to-end runs (each paired with a Hangfire run); medians are shown.", DefaultValueFactory = _ => 3 };
var bigJob = new Option<int>("--big-job") { Description = "Tasks of the big job (acceptance time, memory).", DefaultValueFactory = _ => 100_000 };
var noHangfire = new Option<bool>("--no-hangfire") { Description = "Skip the Hangfire baseline." };
var noTelemetry = new Option<bool>("--no-telemetry") { Description = "Skip the run with telemetry exported to the AppHost's dashboard." };
var prune = new Option<int>("--prune") { Description = "Expired finished tasks the pruner deletes while the end-to-end job runs again; 0 skips it.", DefaultValueFactory = _ => 1_000_000 };
var noScaling = new Option<bool>("--no-scaling") { Description = "Skip the scaling runs (1, 2 and 4 workers, each on a fresh graph)." };
var sqlProfile = new Option<bool>("--sql-profile") { Description = "Load pg_stat_statements and print where the end-to-end runs spent PostgreSQL's time, statement by statement." };
var smoke = new Option<bool>("--smoke") { Description = "A few hundred tasks through every scenario: checks the benchmark works, measures nothing." };
var output = new Option<string?>("--output") { Description = "Also write the table to this Markdown file." };

var command = new RootCommand("Benchmarks JobPlatform end to end on this machine, against Hangfire + PostgreSQL in the same run. Build in Release: dotnet run -c Release --project bench/JobPlatform.Bench")
{
    tasks, workers, runs, bigJob, prune, noHangfire, noTelemetry, noScaling, sqlProfile, smoke, output,
};
command.Subcommands.Add(SoakCommand());
AddRange(tasks, 1, 100_000, "the most tasks a job may have");
AddRange(bigJob, 1, 100_000, "the most tasks a job may have");
AddRange(workers, 1, 64, "replicas");
AddRange(runs, 1, 20, "runs");
AddRange(prune, 0, 10_000_000, "tasks to prune");
command.SetAction(async (parse, ct) =>
{
    var options = parse.GetValue(smoke)
        ? BenchOptions.Smoke
        : new BenchOptions
        {
            Tasks = parse.GetValue(tasks),
            Workers = parse.GetValue(workers),
            Runs = parse.GetValue(runs),
            BigJobTasks = parse.GetValue(bigJob),
            PruneTasks = parse.GetValue(prune),
            Hangfire = !parse.GetValue(noHangfire),
            Telemetry = !parse.GetValue(noTelemetry),
            Scaling = parse.GetValue(noScaling) ? [] : new BenchOptions().Scaling,
            SqlProfile = parse.GetValue(sqlProfile),
        };
#if DEBUG
    if (!parse.GetValue(smoke))
    {
        Console.Error.WriteLine("warning: this is a Debug build; figures are only meaningful from -c Release.");
    }
#endif
    var table = await new BenchmarkRunner(options, Console.Out).RunAsync(ct);
    Console.WriteLine();
    Console.WriteLine(table);
    if (parse.GetValue(output) is { } path)
    {
        await File.WriteAllTextAsync(path, table, ct);
    }
    return 0;
});
// Ctrl+C cancels the run; the graph is then stopped before the process exits, leaving nothing behind.
return await command.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

// `soak`: a mixed load under random faults on a graph of its own; exit code 1 when a promise broke.
static Command SoakCommand()
{
    var duration = new Option<TimeSpan>("--duration")
    {
        Description = "How long the load and the faults run, as 30m, 90s, 1h or 00:30:00.",
        DefaultValueFactory = _ => new SoakOptions().Duration,
        CustomParser = result => SoakDuration.Parse(result),
    };
    var shortForm = new Option<bool>("--short") { Description = "The short form CI runs: two minutes, faults close together." };
    var soakWorkers = new Option<int>("--workers") { Description = "Worker replicas.", DefaultValueFactory = _ => 3 };
    var tenants = new Option<int>("--tenants") { Description = "Tenants, each loading the Api at its rate limit.", DefaultValueFactory = _ => new SoakOptions().Tenants };
    var rate = new Option<int>("--rate") { Description = "Each tenant's rate limit, in requests a minute.", DefaultValueFactory = _ => new SoakOptions().RateLimitPerMinute };
    var seed = new Option<int?>("--seed") { Description = "Seed of the random choices, to replay a run." };
    var soakOutput = new Option<string?>("--output") { Description = "Also write the summary to this file." };
    var soak = new Command("soak", "A chaos soak: tenants load the Api at their rate limits while workers are killed and paused, and the emulator, PostgreSQL and the Api are restarted or stalled; then every job must be final, no task lost and every invariant hold.")
    {
        duration, shortForm, soakWorkers, tenants, rate, seed, soakOutput,
    };
    AddRange(soakWorkers, 2, 16, "replicas: a worker is killed while others go on");
    AddRange(tenants, 1, 20, "tenants");
    AddRange(rate, 10, 6_000, "requests a minute");
    soak.SetAction(async (parse, ct) =>
    {
        var options = parse.GetValue(shortForm) ? SoakOptions.Short : new SoakOptions { Duration = parse.GetValue(duration) };
        options = options with { Tenants = parse.GetValue(tenants), RateLimitPerMinute = parse.GetValue(rate) };
        if (parse.GetValue(seed) is { } fixedSeed)
        {
            options = options with { Seed = fixedSeed };
        }
        Console.WriteLine($"starting the graph with {parse.GetValue(soakWorkers)} worker replicas");
        SoakReport report;
        await using (var graph = await RunningGraph.StartAsync(SoakRunner.GraphOptions(parse.GetValue(soakWorkers)), ct))
        {
            report = await new SoakRunner(options, Console.Out).RunAsync(graph, ct);
        }
        var summary = report.Render();
        Console.WriteLine();
        Console.WriteLine(summary);
        if (parse.GetValue(soakOutput) is { } path)
        {
            await File.WriteAllTextAsync(path, summary, ct);
        }
        return report.Passed ? 0 : 1;
    });
    return soak;
}

static void AddRange(Option<int> option, int min, int max, string what) => option.Validators.Add(result =>
{
    if (result.GetValue(option) is var value && (value < min || value > max))
    {
        result.AddError($"{option.Name} must be from {min:N0} to {max:N0} ({what}); it was {value:N0}.");
    }
});
