using System.Diagnostics;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace JobPlatform.Bench;

/// <summary>
/// The alternative most .NET teams would pick: Hangfire with PostgreSQL storage, on the same server
/// as JobPlatform. N Enqueue calls from 8 threads, then a server drains them.
/// </summary>
public static class HangfireBaseline
{
    private const int EnqueueThreads = 8;

    /// <summary>The unit of work: nothing, like JobPlatform's noop task.</summary>
    public static void Noop()
    {
    }

    public sealed record Result(int Jobs, int WorkerCount, TimeSpan Enqueue, TimeSpan Process)
    {
        public TimeSpan Total => Enqueue + Process;
        public double EnqueuePerSecond => Jobs / Enqueue.TotalSeconds;
        public double ProcessPerSecond => Jobs / Process.TotalSeconds;
        public double EndToEndPerSecond => Jobs / Total.TotalSeconds;
    }

    public static async Task<Result> RunAsync(string connectionString, int jobs, int workerCount, CancellationToken ct)
    {
        // A schema per run, so runs never see each other's jobs.
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = $"hangfire_{Guid.NewGuid():N}"[..24],
            PrepareSchemaIfNecessary = true,
            QueuePollInterval = TimeSpan.FromMilliseconds(100),
        };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
        var client = new BackgroundJobClient(storage);

        var enqueue = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, EnqueueThreads).Select(thread => Task.Run(() =>
        {
            for (var i = thread; i < jobs; i += EnqueueThreads)
            {
                client.Enqueue(() => Noop());
            }
        }, ct)));
        enqueue.Stop();

        var process = Stopwatch.StartNew();
        using (new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = workerCount, ServerName = "bench" }, storage))
        {
            var monitoring = storage.GetMonitoringApi();
            while (monitoring.SucceededListCount() < jobs)
            {
                await Task.Delay(50, ct);
            }
            process.Stop();
        }
        return new Result(jobs, workerCount, enqueue.Elapsed, process.Elapsed);
    }
}
