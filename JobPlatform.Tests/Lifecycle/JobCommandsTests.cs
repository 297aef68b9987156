using JobPlatform.Api.Lifecycle;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using Npgsql;

namespace JobPlatform.Tests.Lifecycle;

/// <summary>
/// The job commands against the graph's PostgreSQL, called directly: tenancy is enforced in their
/// own SQL, not only by the endpoints that check through the tenant-filtered context first.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class JobCommandsTests(JobPlatformFixture fixture)
{
    private const string Stranger = "not-the-owner";

    [Fact]
    public async Task EveryCommand_ChangesNothing_GivenAnotherTenantsJob()
    {
        await using var database = NpgsqlDataSource.Create(fixture.App.GetConnectionString("jobsdb"));
        var commands = new JobCommands(database, Microsoft.Extensions.Options.Options.Create(new JobPlatform.Api.Identity.TenancyOptions()));
        var finished = await fixture.Api.SubmitAsync(new { name = "cross-tenant-finished", type = "fail", taskCount = 2, maxAttempts = 1, failureThreshold = 2 });
        var running = await fixture.Api.SubmitAsync(new { name = "cross-tenant-running", type = "sleep", taskCount = 2, parameters = new { ms = 60_000 } });
        await fixture.Api.WaitForFinalAsync(finished.Id);
        await fixture.Api.WaitForJobAsync(running.Id, j => j.Status == JobStatus.Running);
        var owner = await fixture.QueryScalarAsync<string>("SELECT tenant_id FROM jobs WHERE id = @id", ("id", finished.Id));
        var failedTask = await fixture.QueryScalarAsync<Guid>("SELECT id FROM tasks WHERE job_id = @id ORDER BY id LIMIT 1", ("id", finished.Id));
        var before = await SnapshotAsync(finished.Id, running.Id);

        Assert.IsType<JobCommandOutcome.NotFound>(await commands.RetryJobAsync(Stranger, finished.Id, CancellationToken.None));
        Assert.IsType<JobCommandOutcome.NotFound>(await commands.RetryTaskAsync(Stranger, finished.Id, failedTask, CancellationToken.None));
        Assert.IsType<JobCommandOutcome.NotFound>(await commands.CancelJobAsync(Stranger, running.Id, CancellationToken.None));
        Assert.IsType<JobCommandOutcome.NotFound>(await commands.CancelJobAsync(Stranger, finished.Id, CancellationToken.None));
        Assert.Equal(before, await SnapshotAsync(finished.Id, running.Id));

        // The same commands from the owner apply, so the refusals above were the tenant's doing.
        Assert.IsType<JobCommandOutcome.Done>(await commands.CancelJobAsync(owner, running.Id, CancellationToken.None));
        Assert.IsType<JobCommandOutcome.Done>(await commands.RetryTaskAsync(owner, finished.Id, failedTask, CancellationToken.None));
        await fixture.Api.WaitForFinalAsync(finished.Id);
        await fixture.AssertJobInvariantsAsync(finished.Id);
        // The cancelled job's running attempts end at their next heartbeat.
        await Eventually.Until(
            () => fixture.QueryScalarAsync<long>(
                "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job AND a.ended_at IS NULL",
                ("job", running.Id)),
            open => open == 0, TimeSpan.FromSeconds(30), open => $"{open} attempts still open");
        await fixture.AssertJobInvariantsAsync(running.Id);
    }

    // Every column a command could change, of both jobs and their tasks, as one comparable string.
    private async Task<string> SnapshotAsync(Guid first, Guid second) =>
        await fixture.QueryScalarAsync<string>(
            """
            SELECT string_agg(concat_ws(' ', j.id, j.status, j.finished_tasks, j.failed_tasks, j.finished_at,
                (SELECT string_agg(concat_ws(':', t.id, t.status, t.attempts, t.max_attempts, t.finished_at), ',' ORDER BY t.id) FROM tasks t WHERE t.job_id = j.id),
                (SELECT count(*) FROM outbox_messages o WHERE o.job_id = j.id)), ';' ORDER BY j.id)
            FROM jobs j WHERE j.id = ANY(@ids)
            """, ("ids", new[] { first, second }));
}
