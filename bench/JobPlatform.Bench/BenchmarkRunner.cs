using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using JobPlatform.AppHost.Testing;
using JobPlatform.Contracts;
using Npgsql;

namespace JobPlatform.Bench;

/// <summary>
/// Starts the real graph the way the AppHost does, drives it through the Api, and writes a table of
/// figures. Absolute times drift on shared machines; the ratio to Hangfire, measured in the same run
/// on the same PostgreSQL server, is the figure to compare across runs.
/// </summary>
public sealed class BenchmarkRunner(BenchOptions options, TextWriter progress)
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;
    private readonly List<(string Section, string Figure, string Value)> _rows = [];
    private double? _endToEndSeconds;

    public IReadOnlyList<(string Section, string Figure, string Value)> Rows => _rows;

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var started = DateTimeOffset.Now;
        await using (var app = await StartGraphAsync(options.Workers, ct))
        {
            using var api = CreateClient(app);
            await StartLatencyAsync(app, api, ct);
            await EndToEndAgainstHangfireAsync(app, api, ct);
            await SubmissionLatencyAsync(app, api, ct);
            await BigJobAsync(app, api, ct);
            if (options.PruneTasks > 0)
            {
                await PruningCostAsync(app, api, ct);
            }
        }
        if (options.Telemetry)
        {
            await TelemetryCostAsync(ct);
        }
        foreach (var workers in options.Scaling)
        {
            await using var app = await StartGraphAsync(workers, ct);
            using var api = CreateClient(app);
            var (elapsed, _) = await RunJobAsync(api, options.ScalingTasks, ct);
            Add("Scaling", $"{options.ScalingTasks:N0} noop tasks, {workers} worker{(workers == 1 ? "" : "s")}", $"{options.ScalingTasks / elapsed.TotalSeconds:N0} tasks/s ({elapsed.TotalSeconds:N1} s)");
        }
        return Render(started, DateTimeOffset.Now - started);
    }

    private async Task StartLatencyAsync(RunningGraph app, HttpClient api, CancellationToken ct)
    {
        progress.WriteLine($"start latency: {options.StartSamples} one-task jobs, one at a time, idle workers, after {options.StartWarmUp} not counted");
        var latencies = new List<double>();
        await using var db = await NpgsqlDataSource.Create(app.GetConnectionString("jobsdb")).OpenConnectionAsync(ct);
        for (var i = -options.StartWarmUp; i < options.StartSamples; i++)
        {
            var job = await SubmitAsync(api, new { name = "bench-start", type = TaskTypes.Noop, taskCount = 1 }, ct);
            await WaitForFinalAsync(api, job.Id, ct);
            // From the submission's timestamp to the claim that started the handler (both this machine's clock).
            await using var command = new NpgsqlCommand(
                "SELECT extract(epoch FROM (a.started_at - j.created_at)) * 1000 FROM task_attempts a JOIN tasks t ON t.id = a.task_id JOIN jobs j ON j.id = t.job_id WHERE j.id = @id", db);
            command.Parameters.AddWithValue("id", job.Id);
            var latency = Convert.ToDouble(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
            if (i >= 0)
            {
                latencies.Add(latency);
            }
        }
        var stats = Stats.Of(latencies);
        Add("Start latency", $"submission to handler start, {stats.Count} samples after {options.StartWarmUp} warm-up jobs", $"p50 {stats.P50:N1} ms, p99 {stats.P99:N1} ms");
    }

    private async Task EndToEndAgainstHangfireAsync(RunningGraph app, HttpClient api, CancellationToken ct)
    {
        var hangfireWorkers = options.Hangfire ? await CalibrateHangfireAsync(app, ct) : 0;
        var requestsBefore = await WorkerRequestsAsync(api, ct);
        var sqsBefore = await SqsCallsAsync(app, ct);
        if (options.SqlProfile)
        {
            await SqlProfile.ResetAsync(app.GetConnectionString("jobsdb"), ct);
        }
        var ours = new List<double>();
        var theirs = new List<HangfireBaseline.Result>();
        var cpu = new CpuByResource();
        for (var run = 1; run <= options.Runs; run++)
        {
            progress.WriteLine($"end to end, run {run} of {options.Runs}: {options.Tasks:N0} noop tasks, {options.Workers} workers");
            var cpuBefore = CpuByResource.Sample(app);
            var (elapsed, job) = await RunJobAsync(api, options.Tasks, ct);
            cpu += CpuByResource.Sample(app) - cpuBefore;
            ours.Add(elapsed.TotalSeconds);
            progress.WriteLine($"  JobPlatform: {elapsed.TotalSeconds:N1} s, {options.Tasks / elapsed.TotalSeconds:N0} tasks/s");
            await JobTail.WriteAsync(app.GetConnectionString("jobsdb"), job.Id, progress, ct);
            if (options.Hangfire)
            {
                var result = await HangfireBaseline.RunAsync(HangfireConnectionString(app), options.Tasks, hangfireWorkers, ct);
                theirs.Add(result);
                progress.WriteLine($"  Hangfire:    {result.Total.TotalSeconds:N1} s ({result.EnqueuePerSecond:N0} enqueued/s, {result.ProcessPerSecond:N0} processed/s)");
            }
        }
        var requests = await WorkerRequestsAsync(api, ct);
        var sqs = await SqsCallsAsync(app, ct) - sqsBefore;
        var tasks = (double)options.Tasks * options.Runs / 1_000;
        if (options.SqlProfile)
        {
            // Hangfire's statements run on the same server between the runs: they are left out by database.
            await SqlProfile.WriteAsync(app.GetConnectionString("jobsdb"), tasks * 1_000, progress, ct);
        }
        var makespan = _endToEndSeconds = Stats.Median(ours);
        Add("End to end", $"{options.Tasks:N0} noop tasks in one job, {options.Workers} workers (median of {options.Runs})",
            $"{makespan:N1} s, {options.Tasks / makespan:N0} tasks/s");
        Add("End to end", "worker requests to the Api per 1,000 tasks (claims, reports)",
            $"{(requests.Claims - requestsBefore.Claims) / tasks:N0} claims, {(requests.Reports - requestsBefore.Reports) / tasks:N0} reports");
        Add("End to end", "workers' SQS calls per 1,000 tasks (messages per call)",
            $"{sqs.Receives / tasks:N0} receives ({sqs.Received / Math.Max(1, sqs.Receives):N1}), {sqs.Deletes / tasks:N0} deletes ({sqs.Deleted / Math.Max(1, sqs.Deletes):N1})");
        Add("End to end", "CPU seconds per 1,000 tasks (PostgreSQL, Api, all workers, emulator, benchmark)", cpu.PerThousand(tasks * 1_000));
        if (theirs.Count > 0)
        {
            var hangfire = Stats.Median(theirs.Select(r => r.Total.TotalSeconds));
            Add("End to end", $"Hangfire {typeof(Hangfire.BackgroundJob).Assembly.GetName().Version?.ToString(3)} + PostgreSql, {options.Tasks:N0} Enqueue calls from 8 threads then {hangfireWorkers} workers (median)",
                $"{hangfire:N1} s, {options.Tasks / hangfire:N0} jobs/s (enqueue {Stats.Median(theirs.Select(r => r.EnqueuePerSecond)):N0}/s, process {Stats.Median(theirs.Select(r => r.ProcessPerSecond)):N0}/s)");
            var ratios = ours.Zip(theirs, (o, t) => t.Total.TotalSeconds / o).ToList();
            Add("End to end", "ratio JobPlatform / Hangfire throughput (median of per-run ratios)", $"{Stats.Median(ratios):N1}x");
        }
    }

    /// <summary>
    /// The same end-to-end job on a graph whose services export every span, log and metric over OTLP
    /// to Aspire's dashboard, against the graph without export measured earlier in this run, and the
    /// memory that costs the services and the dashboard that holds it.
    /// </summary>
    private async Task TelemetryCostAsync(CancellationToken ct)
    {
        await using var app = await StartGraphAsync(options.Workers, ct, exportTelemetry: true);
        using var api = CreateClient(app);
        var runs = new List<double>();
        for (var run = 1; run <= options.Runs; run++)
        {
            progress.WriteLine($"telemetry, run {run} of {options.Runs}: {options.Tasks:N0} noop tasks, every span exported to the dashboard");
            var (elapsed, _) = await RunJobAsync(api, options.Tasks, ct);
            runs.Add(elapsed.TotalSeconds);
            progress.WriteLine($"  {elapsed.TotalSeconds:N1} s, {options.Tasks / elapsed.TotalSeconds:N0} tasks/s");
        }
        var exported = Stats.Median(runs);
        Add("Telemetry", $"{options.Tasks:N0} noop tasks, traces, logs and metrics exported over OTLP to Aspire's dashboard (median of {options.Runs})",
            $"{exported:N1} s, {options.Tasks / exported:N0} tasks/s");
        if (_endToEndSeconds is { } withoutExport)
        {
            Add("Telemetry", "throughput with export / without (the end-to-end figure above)", $"{withoutExport / exported:P0}");
        }
        // VmHWM: each process's own record of its peak resident set, over the whole graph's life.
        var dashboard = PeakResidentMegabytes(app.GetResource("aspire-dashboard").Replicas[0].ProcessId!.Value);
        var apiPeak = PeakResidentMegabytes(app.GetResource("api").Replicas[0].ProcessId!.Value);
        var workerPeak = PeakResidentMegabytes(app.GetResource("worker").Replicas[0].ProcessId!.Value);
        Add("Telemetry", "peak resident memory while exporting: Aspire dashboard / Api / one worker", $"{dashboard:N0} / {apiPeak:N0} / {workerPeak:N0} MB");
    }

    /// <summary>Claim and report requests the Api has answered so far, from its own /metrics.</summary>
    private static async Task<(double Claims, double Reports)> WorkerRequestsAsync(HttpClient api, CancellationToken ct)
    {
        var text = await api.GetStringAsync("/metrics", ct);
        return (Sum(text, "http_server_request_duration_seconds_count", "http_route=\"/api/v1/tasks/claims\""),
                Sum(text, "http_server_request_duration_seconds_count", "http_route=\"/api/v1/tasks/reports\""));
    }

    /// <summary>SQS receives and deletes the workers have made so far, and the messages they carried, from each replica's /metrics.</summary>
    private static async Task<SqsCalls> SqsCallsAsync(RunningGraph app, CancellationToken ct)
    {
        using var http = new HttpClient();
        var total = new SqsCalls(0, 0, 0, 0);
        foreach (var replica in app.GetResource("worker").Replicas)
        {
            var text = await http.GetStringAsync(new Uri(replica.Url!, "/metrics"), ct);
            total += new SqsCalls(
                Sum(text, "jobplatform_worker_receive_messages_count"), Sum(text, "jobplatform_worker_receive_messages_sum"),
                Sum(text, "jobplatform_worker_delete_messages_count"), Sum(text, "jobplatform_worker_delete_messages_sum"));
        }
        return total;
    }

    private sealed record SqsCalls(double Receives, double Received, double Deletes, double Deleted)
    {
        public static SqsCalls operator +(SqsCalls a, SqsCalls b) => new(a.Receives + b.Receives, a.Received + b.Received, a.Deletes + b.Deletes, a.Deleted + b.Deleted);

        public static SqsCalls operator -(SqsCalls a, SqsCalls b) => new(a.Receives - b.Receives, a.Received - b.Received, a.Deletes - b.Deletes, a.Deleted - b.Deleted);
    }

    /// <summary>The sum of a Prometheus text sample over the series whose labels contain <paramref name="label"/>.</summary>
    private static double Sum(string text, string metric, string label = "") => text.Split('\n')
        .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal))
        // name{labels} value [timestamp]
        .Sum(line => double.Parse(line[(line.LastIndexOf('}') + 2)..].Split(' ')[0], CultureInfo.InvariantCulture));

    /// <summary>CPU seconds each part of the graph has used, from /proc (see <see cref="ProcessCpu"/>).</summary>
    private sealed record CpuByResource(double Postgres = 0, double Api = 0, double Workers = 0, double Emulator = 0, double Benchmark = 0)
    {
        public static CpuByResource Sample(RunningGraph app)
        {
            var cpu = ProcessCpu.Now();
            double Of(string resource) => cpu.Seconds(app.GetResource(resource).Replicas.Select(r => r.ProcessId).OfType<int>());
            return new(Of("postgres"), Of("api"), Of("worker"), Of("sqs"), cpu.OwnSeconds());
        }

        public static CpuByResource operator +(CpuByResource a, CpuByResource b) =>
            new(a.Postgres + b.Postgres, a.Api + b.Api, a.Workers + b.Workers, a.Emulator + b.Emulator, a.Benchmark + b.Benchmark);

        public static CpuByResource operator -(CpuByResource a, CpuByResource b) =>
            new(a.Postgres - b.Postgres, a.Api - b.Api, a.Workers - b.Workers, a.Emulator - b.Emulator, a.Benchmark - b.Benchmark);

        public string PerThousand(double tasks)
        {
            var k = tasks / 1_000;
            return string.Create(CultureInfo.InvariantCulture,
                $"{Postgres / k:N2} + {Api / k:N2} + {Workers / k:N2} + {Emulator / k:N2} + {Benchmark / k:N2} = {(Postgres + Api + Workers + Emulator + Benchmark) / k:N2} s");
        }
    }


    private async Task<int> CalibrateHangfireAsync(RunningGraph app, CancellationToken ct)
    {
        if (options.HangfireWorkerCounts.Count == 1)
        {
            return options.HangfireWorkerCounts[0];
        }
        var jobs = Math.Max(500, options.Tasks / 10);
        var best = (Workers: 0, PerSecond: 0.0);
        foreach (var workers in options.HangfireWorkerCounts)
        {
            var result = await HangfireBaseline.RunAsync(HangfireConnectionString(app), jobs, workers, ct);
            progress.WriteLine($"Hangfire calibration: {workers} workers process {result.ProcessPerSecond:N0} jobs/s");
            if (result.ProcessPerSecond > best.PerSecond)
            {
                best = (workers, result.ProcessPerSecond);
            }
        }
        return best.Workers;
    }

    private async Task SubmissionLatencyAsync(RunningGraph app, HttpClient api, CancellationToken ct)
    {
        var total = (int)(options.SubmitRate * options.SubmitDuration.TotalSeconds);
        var warmUp = (int)(options.SubmitRate * options.SubmitWarmUp.TotalSeconds);
        progress.WriteLine($"submission latency: {total} one-task jobs at {options.SubmitRate}/s, after {warmUp} not counted");
        // The graph has just run big jobs: for the first second or two of a new load shape, the
        // Api (and this benchmark) compile its code paths again at higher tiers, on CPU the requests
        // need. A profile shows it; a running service pays that once, not per request.
        await OpenLoopAsync(warmUp);
        var cpuBefore = CpuByResource.Sample(app);
        // This process times the requests: its own pauses would show as latency the Api never had.
        var (pausedBefore, gen2Before) = (GC.GetTotalPauseDuration(), GC.CollectionCount(2));
        var latencies = await OpenLoopAsync(total);
        var cpu = CpuByResource.Sample(app) - cpuBefore;
        progress.WriteLine($"  the benchmark's own GC meanwhile: {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:N0} ms paused, {GC.CollectionCount(2) - gen2Before} gen2 collections");
        var stats = Stats.Of(latencies);
        Add("Submission", $"POST /api/v1/jobs at {options.SubmitRate} requests/s, {stats.Count} requests", $"p50 {stats.P50:N1} ms, p99 {stats.P99:N1} ms");
        // Each one-task job is also run: relayed, claimed, reported.
        Add("Submission", "CPU seconds per 1,000 one-task jobs, submitted and run (PostgreSQL, Api, all workers, emulator, benchmark)", cpu.PerThousand(total));

        async Task<double[]> OpenLoopAsync(int count)
        {
            var interval = TimeSpan.FromSeconds(1.0 / options.SubmitRate);
            var clock = Stopwatch.StartNew();
            var requests = new List<Task<double>>(count);
            for (var i = 0; i < count; i++)
            {
                // Open loop: each request leaves at its slot whether or not earlier ones have answered.
                // The clock is read once: read twice, the wait could turn negative in between.
                var wait = interval * i - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, ct);
                }
                requests.Add(TimeAsync(async () => await SubmitAsync(api, new { name = "bench-submit", type = TaskTypes.Noop, taskCount = 1 }, ct)));
            }
            return await Task.WhenAll(requests);
        }
    }

    private async Task BigJobAsync(RunningGraph app, HttpClient api, CancellationToken ct)
    {
        progress.WriteLine($"big job: {options.BigJobTasks:N0} noop tasks");
        var apiPid = app.GetResource("api").Replicas[0].ProcessId!.Value;
        var workerPid = app.GetResource("worker").Replicas[0].ProcessId!.Value;
        // A schedule fires every second while the big job runs: how late its firings are under that load.
        var schedule = await CreateScheduleAsync(api, ct);
        var clock = Stopwatch.StartNew();
        var job = await SubmitAsync(api, new { name = "bench-big", type = TaskTypes.Noop, taskCount = options.BigJobTasks }, ct);
        var accepted = clock.Elapsed;
        await WaitForFinalAsync(api, job.Id, ct);
        var done = clock.Elapsed;
        await JobTail.WriteAsync(app.GetConnectionString("jobsdb"), job.Id, progress, ct);
        await FiringLatenessAsync(app, api, schedule, ct);
        Add("Submission", $"one job of {options.BigJobTasks:N0} tasks accepted (201)", $"{accepted.TotalMilliseconds:N0} ms");
        Add("End to end", $"{options.BigJobTasks:N0} noop tasks in one job, {options.Workers} workers", $"{done.TotalSeconds:N1} s, {options.BigJobTasks / done.TotalSeconds:N0} tasks/s");
        // VmHWM is the kernel's own record of the process's peak resident set.
        Add("Memory", "Api peak resident memory (VmHWM), whole run", $"{PeakResidentMegabytes(apiPid):N0} MB");
        Add("Memory", "one worker's peak resident memory (VmHWM), whole run", $"{PeakResidentMegabytes(workerPid):N0} MB");
    }

    /// <summary>The fewest firings the lateness figure is read from.</summary>
    private const int MinFirings = 3;

    private static async Task<Guid> CreateScheduleAsync(HttpClient api, CancellationToken ct)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/schedules", new ScheduleRequest("bench-every-second", "* * * * * *", "UTC",
            new SubmitJobRequest("bench-scheduled", TaskTypes.Noop, 1, null, null), Overlap: OverlapPolicies.Allow), Json, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /api/v1/schedules answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
        return (await response.Content.ReadFromJsonAsync<ScheduleResponse>(Json, ct))!.Id;
    }

    /// <summary>
    /// The schedule's firings during the big job: the delay from each fire time to its job's
    /// creation, and the firings skipped. The schedule is paused (a firing in flight holds its row,
    /// so the pause waits for it), read, then deleted.
    /// </summary>
    private async Task FiringLatenessAsync(RunningGraph app, HttpClient api, Guid schedule, CancellationToken ct)
    {
        // A short job (the smoke run's) may end before the schedule fired: give it a few fire times.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(15);
        while ((await api.GetFromJsonAsync<ScheduleResponse>($"/api/v1/schedules/{schedule}", Json, ct))!.RecentRuns!.Count < MinFirings
            && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(500, ct);
        }
        using (var paused = await api.PatchAsJsonAsync($"/api/v1/schedules/{schedule}", new ScheduleRequest(Paused: true), Json, ct))
        {
            paused.EnsureSuccessStatusCode();
        }
        await using var connection = new NpgsqlConnection(app.GetConnectionString("jobsdb"));
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT extract(epoch FROM j.created_at - r.fire_time)::float8 * 1000
            FROM schedule_runs r JOIN jobs j ON j.id = r.job_id WHERE r.schedule_id = @id
            """, connection);
        command.Parameters.AddWithValue("id", schedule);
        var delays = new List<double>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                delays.Add(reader.GetDouble(0));
            }
        }
        await using var skipped = new NpgsqlCommand("SELECT count(*) FROM schedule_runs WHERE schedule_id = @id AND outcome <> 'submitted'", connection);
        skipped.Parameters.AddWithValue("id", schedule);
        var skippedCount = (long)(await skipped.ExecuteScalarAsync(ct))!;
        using (var deleted = await api.DeleteAsync($"/api/v1/schedules/{schedule}", ct))
        {
            deleted.EnsureSuccessStatusCode();
        }
        var stats = Stats.Of(delays);
        Add("Schedules", $"a schedule firing every second during the big job: fire time to its job's creation, {stats.Count} firings, {skippedCount} skipped",
            $"median {stats.P50:N0} ms, p99 {stats.P99:N0} ms, worst {stats.Max:N0} ms");
    }

    /// <summary>
    /// The end-to-end job again while the pruner deletes <see cref="BenchOptions.PruneTasks"/>
    /// finished tasks (each with an attempt) of jobs past their retention, against a run just
    /// before with nothing to prune: what retention costs the hot path.
    /// </summary>
    private async Task PruningCostAsync(RunningGraph app, HttpClient api, CancellationToken ct)
    {
        const int PerJob = 10_000;
        var jobs = Math.Max(1, options.PruneTasks / PerJob);
        var perJob = Math.Min(PerJob, options.PruneTasks);
        var seeded = jobs * perJob;
        progress.WriteLine($"pruning: {options.Tasks:N0} noop tasks, then again while {seeded:N0} expired tasks are pruned");
        var (quiet, _) = await RunJobAsync(api, options.Tasks, ct);

        await using var db = await NpgsqlDataSource.Create(app.GetConnectionString("jobsdb")).OpenConnectionAsync(ct);
        var seeding = Stopwatch.StartNew();
        await using (var seed = new NpgsqlCommand(
            """
            INSERT INTO tenants (id, name, job_retention_days, created_at) VALUES ('bench-expired', 'Expired work (benchmark)', 1, now())
            ON CONFLICT (id) DO NOTHING;
            INSERT INTO jobs (id, tenant_id, name, type, status, task_count, max_attempts, failure_threshold, parameters, priority,
                              finished_tasks, failed_tasks, created_at, updated_at, started_at, finished_at)
            SELECT gen_random_uuid(), 'bench-expired', 'expired-' || g, 'noop', 'completed', @perJob, 3, 0, '{}'::jsonb, 2,
                   @perJob, 0, now() - interval '41 days', now() - interval '40 days', now() - interval '41 days', now() - interval '40 days'
            FROM generate_series(1, @jobs) g;
            INSERT INTO tasks (id, job_id, tenant_id, "index", type, status, attempts, max_attempts, result, created_at, updated_at, started_at, finished_at)
            SELECT gen_random_uuid(), j.id, j.tenant_id, i, 'noop', 'succeeded', 1, 3, '{}'::jsonb, j.created_at, j.finished_at, j.created_at, j.finished_at
            FROM jobs j CROSS JOIN generate_series(0, @perJob - 1) i WHERE j.tenant_id = 'bench-expired';
            INSERT INTO task_attempts (id, task_id, number, worker_id, started_at, ended_at, outcome)
            SELECT gen_random_uuid(), t.id, 1, 'bench-seed', t.started_at, t.finished_at, 'succeeded' FROM tasks t WHERE t.tenant_id = 'bench-expired';
            ANALYZE jobs; ANALYZE tasks; ANALYZE task_attempts;
            """, db) { CommandTimeout = 600 })
        {
            seed.Parameters.AddWithValue("jobs", jobs);
            seed.Parameters.AddWithValue("perJob", perJob);
            await seed.ExecuteNonQueryAsync(ct);
        }
        progress.WriteLine($"  seeded {seeded:N0} expired tasks with their attempts in {seeding.Elapsed.TotalSeconds:N0} s");

        async Task<long> LeftAsync()
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM tasks WHERE tenant_id = 'bench-expired'", db);
            return (long)(await count.ExecuteScalarAsync(ct))!;
        }
        // The pruner looks every Retention:Interval: wait until it is at work.
        while (await LeftAsync() == seeded)
        {
            await Task.Delay(200, ct);
        }
        var pruneClock = Stopwatch.StartNew();
        var leftBefore = await LeftAsync();
        var (pruning, _) = await RunJobAsync(api, options.Tasks, ct);
        var leftAfter = await LeftAsync();
        var prunedDuring = leftBefore - leftAfter;
        var duringRun = pruneClock.Elapsed;
        while (await LeftAsync() > 0)
        {
            await Task.Delay(500, ct);
        }
        var allPruned = pruneClock.Elapsed;
        Add("Pruning", $"{options.Tasks:N0} noop tasks, nothing to prune", $"{options.Tasks / quiet.TotalSeconds:N0} tasks/s");
        Add("Pruning", $"the same while the pruner deletes expired tasks ({prunedDuring:N0} of {seeded:N0} during the run)",
            $"{options.Tasks / pruning.TotalSeconds:N0} tasks/s ({quiet.TotalSeconds / pruning.TotalSeconds:P0} of the quiet run)");
        Add("Pruning", $"expired tasks (each with an attempt) deleted per second, while the job ran / in all",
            $"{prunedDuring / duringRun.TotalSeconds:N0} / {leftBefore / allPruned.TotalSeconds:N0} tasks/s ({seeded:N0} in {allPruned.TotalSeconds:N0} s)");
    }

    private static async Task<(TimeSpan Elapsed, JobResponse Job)> RunJobAsync(HttpClient api, int tasks, CancellationToken ct)
    {
        var before = DateTimeOffset.UtcNow;
        var job = await SubmitAsync(api, new { name = "bench-e2e", type = TaskTypes.Noop, taskCount = tasks }, ct);
        var finished = await WaitForFinalAsync(api, job.Id, ct);
        if (finished.Status != JobStatus.Completed)
        {
            throw new InvalidOperationException($"Job {job.Id} ended {finished.Status}, not completed.");
        }
        return (finished.FinishedAt!.Value - before, finished);
    }

    private static async Task<JobResponse> SubmitAsync(HttpClient api, object body, CancellationToken ct)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/jobs", body, Json, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /api/v1/jobs answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
        return (await response.Content.ReadFromJsonAsync<JobResponse>(Json, ct))!;
    }

    private static async Task<JobResponse> WaitForFinalAsync(HttpClient api, Guid id, CancellationToken ct)
    {
        while (true)
        {
            var job = (await api.GetFromJsonAsync<JobResponse>($"/api/v1/jobs/{id}", Json, ct))!;
            if (JobStatus.Final.Contains(job.Status))
            {
                return job;
            }
            // The figure comes from the job's own finishedAt, so polling often would only load the Api.
            await Task.Delay(200, ct);
        }
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var start = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double PeakResidentMegabytes(int pid) => ResidentMegabytes("VmHWM", pid);

    /// <summary>A memory figure of /proc/{pid}/status (VmRSS now, VmHWM the peak), in MB; this process by default.</summary>
    private static double ResidentMegabytes(string field, int? pid = null)
    {
        var line = File.ReadLines($"/proc/{pid?.ToString(CultureInfo.InvariantCulture) ?? "self"}/status").First(l => l.StartsWith($"{field}:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    private static string HangfireConnectionString(RunningGraph app) =>
        new NpgsqlConnectionStringBuilder(app.GetConnectionString("jobsdb")) { Pooling = true, MaxPoolSize = 100 }.ConnectionString;

    private async Task<RunningGraph> StartGraphAsync(int workers, CancellationToken ct, bool exportTelemetry = false)
    {
        progress.WriteLine($"starting the graph with {workers} worker replica{(workers == 1 ? "" : "s")}");
        return await RunningGraph.StartAsync(new GraphOptions
        {
            Workers = workers,
            // The noop path alone: the sample word-count pool would only idle on its own queue.
            SampleWorkers = 0,
            // No dashboard unless asked: exporting telemetry costs the services time; the telemetry
            // scenario measures how much.
            Dashboard = exportTelemetry,
            // PostgreSQL stays durable (fsync on every commit), as JobPlatform's real cost; the
            // emulator keeps messages in memory, as real SQS's storage is not on this machine.
            Testing = false,
            PersistQueues = false,
            DataDirectory = Path.Combine(Path.GetTempPath(), $"jobplatform-bench-{Environment.ProcessId}"),
            PostgresSettings = options.SqlProfile ? SqlProfile.Settings : new Dictionary<string, string>(),
            // The pruner looks every 5 s rather than every minute, so the pruning scenario starts
            // soon; what a step costs is the same.
            ResourceEnvironment = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                ["api"] = new Dictionary<string, string> { ["Retention__Interval"] = "00:00:05" },
            },
        }, ct);
    }

    /// <summary>A client acting as the development tenant, whose limits the benchmark never reaches.</summary>
    private static HttpClient CreateClient(RunningGraph app) => new(new SocketsHttpHandler { MaxConnectionsPerServer = 1_000 })
    {
        BaseAddress = app.GetEndpoint("api"),
        Timeout = TimeSpan.FromMinutes(5),
        DefaultRequestHeaders = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", app.GetSecret("dev-tenant")) },
    };

    private void Add(string section, string figure, string value)
    {
        _rows.Add((section, figure, value));
        progress.WriteLine($"  {figure}: {value}");
    }

    private string Render(DateTimeOffset started, TimeSpan took)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"JobPlatform benchmark, {started:yyyy-MM-dd HH:mm} UTC{started:zzz}, {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, took {took.TotalMinutes:N1} min");
        text.AppendLine();
        text.AppendLine("| scenario | figure | value |");
        text.AppendLine("| --- | --- | --- |");
        foreach (var (section, figure, value) in _rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {section} | {figure} | {value} |");
        }
        return text.ToString();
    }
}
