using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Worker;

[Collection(GraphCollection.Name)]
public sealed class HeartbeatTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task TaskRunningThreeTimesLongerThanTheVisibilityTimeout_RunsOnce()
    {
        var ms = (int)(JobPlatformFixture.VisibilityTimeout * 3).TotalMilliseconds;
        var submitted = await fixture.Api.SubmitAsync(new { name = "long-task", type = "sleep", taskCount = 2, parameters = new { ms } });

        var job = await fixture.Api.WaitForFinalAsync(submitted.Id);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(2, job.Counts.Succeeded);
        var attempts = await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job", ("job", job.Id));
        Assert.Equal(2, attempts);
        Assert.True(job.FinishedAt - job.StartedAt >= JobPlatformFixture.VisibilityTimeout * 3);
    }
}
