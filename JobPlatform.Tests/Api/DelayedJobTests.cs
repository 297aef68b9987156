using System.Net;
using System.Net.Http.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

/// <summary>Jobs submitted with <c>runAt</c> or <c>delay</c>: held in PostgreSQL as <c>scheduled</c>, released when due.</summary>
[Collection(GraphCollection.Name)]
public sealed class DelayedJobTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task DelayedJob_IsNotClaimedBeforeItsRunAt_AndRunsSoonAfter()
    {
        using var tenant = await fixture.CreateTenantAsync();
        var job = await tenant.Api.SubmitAsync(new { type = "noop", taskCount = 5, delay = "00:00:04" });

        Assert.Equal(JobStatus.Scheduled, job.Status);
        Assert.NotNull(job.RunAt);
        Assert.InRange(job.RunAt!.Value - job.CreatedAt, TimeSpan.FromSeconds(3.9), TimeSpan.FromSeconds(4.1));
        // Nothing of it is in the outbox or SQS meanwhile: no worker can receive it.
        Assert.Equal(0L, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE job_id = @job", ("job", job.Id)));

        var done = await tenant.Api.WaitForFinalAsync(job.Id, TimeSpan.FromSeconds(60));
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Equal(job.RunAt, done.RunAt);
        var firstStart = await fixture.QueryScalarAsync<DateTime>("SELECT min(a.started_at) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job", ("job", job.Id));
        var lateness = new DateTimeOffset(firstStart, TimeSpan.Zero) - job.RunAt.Value;
        Assert.True(lateness >= TimeSpan.Zero, $"a task started {-lateness.TotalMilliseconds:0} ms before the job's runAt");
        Assert.True(lateness < TimeSpan.FromSeconds(10), $"the first task started {lateness.TotalSeconds:0.0} s after the job's runAt");
        await fixture.AssertJobInvariantsAsync(job.Id);
    }

    [Fact]
    public async Task RunAtInThePast_RunsAtOnce()
    {
        using var tenant = await fixture.CreateTenantAsync();
        var job = await tenant.Api.SubmitAsync(new { type = "noop", taskCount = 2, runAt = DateTimeOffset.UtcNow.AddMinutes(-5) });

        Assert.NotEqual(JobStatus.Scheduled, job.Status);
        Assert.Null(job.RunAt);
        Assert.Equal(JobStatus.Completed, (await tenant.Api.WaitForFinalAsync(job.Id)).Status);
    }

    [Fact]
    public async Task CancellingAScheduledJob_CancelsItsTasks_AndNoneEverRuns()
    {
        using var tenant = await fixture.CreateTenantAsync();
        var job = await tenant.Api.SubmitAsync(new { type = "noop", taskCount = 3, runAt = DateTimeOffset.UtcNow.AddSeconds(3) });
        Assert.Equal(JobStatus.Scheduled, job.Status);

        using var cancel = await tenant.Api.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelled = await tenant.Api.GetJobAsync(job.Id);
        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        Assert.Equal(3, cancelled.Counts.Cancelled);

        // Past its runAt, the relay finds nothing to release: the job stays cancelled and no task ran.
        await Task.Delay(job.RunAt!.Value - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2) is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        Assert.Equal(JobStatus.Cancelled, (await tenant.Api.GetJobAsync(job.Id)).Status);
        Assert.Equal(0L, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job", ("job", job.Id)));
        Assert.Equal(0L, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE job_id = @job", ("job", job.Id)));
        await fixture.AssertJobInvariantsAsync(job.Id);
    }

    [Fact]
    public async Task ScheduledJobs_AreListedByTheirStatus()
    {
        using var tenant = await fixture.CreateTenantAsync();
        var job = await tenant.Api.SubmitAsync(new { type = "noop", taskCount = 1, delay = "01:00:00" });

        var listed = (await tenant.Api.GetFromJsonAsync<PagedResponse<JobResponse>>("/api/v1/jobs?status=scheduled", JobsClient.Json))!;
        Assert.Equal([job.Id], listed.Items.Select(j => j.Id));

        using var cancel = await tenant.Api.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
    }
}
