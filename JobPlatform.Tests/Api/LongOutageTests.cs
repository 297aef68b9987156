using JobPlatform.Api.Lifecycle;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobPlatform.Tests.Api;

/// <summary>
/// Outages far longer than the queue's redrive window: with the test graph's 4 s visibility timeout
/// and 5 receives before a message is dead-lettered, a minute is fifteen windows, as a 7.5-minute
/// outage is at the default 30 s. Nothing may be lost or dead-lettered, every task keeps exactly the
/// attempts it ran, and no process exits on the way (only the supervisor's restarts would save the
/// work then, and in a cluster that is a crash loop).
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class LongOutageTests(JobPlatformFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PostgresHangingForAMinute_LosesNothing_DeadLettersNothing_AndStopsNoProcess()
    {
        var postgres = fixture.App.GetResource("postgres");
        await RunThroughAsync("postgres-hang", postgres.Replicas.Single().PauseAsync, postgres.Replicas.Single().ResumeAsync, apiMayRestart: false);
    }

    [Fact]
    public async Task PostgresStoppedForAMinute_LosesNothing_DeadLettersNothing_AndStopsNoProcess()
    {
        var postgres = fixture.App.GetResource("postgres");
        await RunThroughAsync("postgres-stopped", () => postgres.StopAsync(), fixture.StartPostgresAsync, apiMayRestart: false);
    }

    [Fact]
    public async Task ApiStoppedForAMinute_LosesNothing_DeadLettersNothing_AndStopsNoWorker()
    {
        var api = fixture.App.GetResource("api");
        await RunThroughAsync("api-stopped", () => api.StopAsync(), () => api.StartAsync(), apiMayRestart: true);
    }

    private async Task RunThroughAsync(string name, Func<Task> fail, Func<Task> recover, bool apiMayRestart)
    {
        var processes = Processes();
        var job = await fixture.Api.SubmitAsync(new { name, type = "sleep", taskCount = 50, parameters = new { ms = 1_500 } });
        await fixture.Api.WaitForJobAsync(job.Id, j => j.Counts.Running > 0);

        await fail();
        try
        {
            await Task.Delay(Outage);
        }
        finally
        {
            await recover();
        }

        var finished = await fixture.Api.WaitForFinalAsync(job.Id, TimeSpan.FromMinutes(2));
        if (finished.Status != JobStatus.Completed)
        {
            await using var connection = await fixture.OpenDatabaseAsync();
            await using var failures = new Npgsql.NpgsqlCommand(
                "SELECT t.\"index\", t.status, a.number, a.outcome, a.error FROM tasks t LEFT JOIN task_attempts a ON a.task_id = t.id WHERE t.job_id = @job AND t.status <> 'succeeded' ORDER BY 1, 3 LIMIT 20", connection);
            failures.Parameters.AddWithValue("job", job.Id);
            await using var reader = await failures.ExecuteReaderAsync();
            var lines = new List<string>();
            while (await reader.ReadAsync())
            {
                lines.Add($"task {reader.GetInt32(0)} {reader.GetString(1)}: attempt {(reader.IsDBNull(2) ? "-" : reader.GetInt32(2))} {(reader.IsDBNull(3) ? "open" : reader.GetString(3))} {(reader.IsDBNull(4) ? "" : reader.GetString(4))}");
            }
            Assert.Fail($"{name}: the job ended {finished.Status}:\n{string.Join("\n", lines)}");
        }
        Assert.Equal(50, finished.Counts.Succeeded);
        Assert.Equal(0, finished.Counts.DeadLettered);
        Assert.Equal(0, await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM dead_letters d JOIN tasks t ON t.id = d.task_id WHERE t.job_id = @job AND d.reason = @crash", ("job", job.Id), ("crash", DeadLetters.CrashReason)));
        // Each task ran once, or more only where an attempt lost its worker's report to the outage
        // and was taken over: never an attempt that did not run.
        Assert.Equal(0, await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job AND a.outcome NOT IN ('succeeded', 'lost')", ("job", job.Id)));
        await fixture.AssertJobInvariantsAsync(job.Id);
        var lost = await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job AND a.outcome = 'lost'", ("job", job.Id));
        output.WriteLine($"{name}: {finished.Counts.Succeeded} of 50 tasks succeeded, {finished.Counts.DeadLettered} dead-lettered; attempts: 50 succeeded, {lost} lost");

        var after = Processes();
        foreach (var (replica, pid) in processes.Where(p => apiMayRestart ? !p.Key.StartsWith("api", StringComparison.Ordinal) : true))
        {
            Assert.True(after.GetValueOrDefault(replica) == pid, $"{replica} was process {pid} before the outage and {after.GetValueOrDefault(replica)} after it.");
        }
    }

    /// <summary>The process of every Api and worker replica.</summary>
    private Dictionary<string, int?> Processes() =>
        new[] { "api", "worker" }.SelectMany(r => fixture.App.GetResource(r).Replicas).ToDictionary(r => r.Name, r => r.ProcessId);
}
