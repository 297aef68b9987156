using System.CommandLine;
using JobPlatform.Bench;

var tasks = new Option<int>("--tasks") { Description = "No-op tasks in the end-to-end job, and Hangfire jobs in the baseline.", DefaultValueFactory = _ => 20_000 };
var workers = new Option<int>("--workers") { Description = "Worker replicas.", DefaultValueFactory = _ => 3 };
var runs = new Option<int>("--runs") { Description = "End-to-end runs (each paired with a Hangfire run); medians are shown.", DefaultValueFactory = _ => 3 };
var bigJob = new Option<int>("--big-job") { Description = "Tasks of the big job (acceptance time, memory).", DefaultValueFactory = _ => 100_000 };
var noHangfire = new Option<bool>("--no-hangfire") { Description = "Skip the Hangfire baseline." };
var noTelemetry = new Option<bool>("--no-telemetry") { Description = "Skip the run with telemetry exported to the AppHost's dashboard." };
var noScaling = new Option<bool>("--no-scaling") { Description = "Skip the scaling runs (1, 2 and 4 workers, each on a fresh graph)." };
var sqlProfile = new Option<bool>("--sql-profile") { Description = "Load pg_stat_statements and print where the end-to-end runs spent PostgreSQL's time, statement by statement." };
var smoke = new Option<bool>("--smoke") { Description = "A few hundred tasks through every scenario: checks the benchmark works, measures nothing." };
var output = new Option<string?>("--output") { Description = "Also write the table to this Markdown file." };

var command = new RootCommand("Benchmarks JobPlatform end to end on this machine, against Hangfire + PostgreSQL in the same run. Build in Release: dotnet run -c Release --project bench/JobPlatform.Bench")
{
    tasks, workers, runs, bigJob, noHangfire, noTelemetry, noScaling, sqlProfile, smoke, output,
};
AddRange(tasks, 1, 100_000, "the most tasks a job may have");
AddRange(bigJob, 1, 100_000, "the most tasks a job may have");
AddRange(workers, 1, 64, "replicas");
AddRange(runs, 1, 20, "runs");
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

static void AddRange(Option<int> option, int min, int max, string what) => option.Validators.Add(result =>
{
    if (result.GetValue(option) is var value && (value < min || value > max))
    {
        result.AddError($"{option.Name} must be from {min:N0} to {max:N0} ({what}); it was {value:N0}.");
    }
});
