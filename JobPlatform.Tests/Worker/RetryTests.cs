using System.Net.Http.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Worker;

[Collection(GraphCollection.Name)]
public sealed class RetryTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task FailedAttempt_IsRetried_AndTheTaskSucceedsOnTheNext()
    {
        var submitted = await fixture.Api.SubmitAsync(new { type = "fail", taskCount = 3, maxAttempts = 3, parameters = new { failOnAttempts = new[] { 1 } } });

        var job = await fixture.Api.WaitForFinalAsync(submitted.Id);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(3, job.Counts.Succeeded);
        var attempts = await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job", ("job", job.Id));
        var failedAttempts = await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job AND a.outcome = 'failed' AND a.number = 1",
            ("job", job.Id));
        await fixture.AssertJobInvariantsAsync(job.Id);
        Assert.Equal(6, attempts);
        Assert.Equal(3, failedAttempts);

        var firstTask = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{job.Id}/tasks?pageSize=1", JobsClient.Json))!.Items[0];
        var task = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{firstTask.Id}", JobsClient.Json))!;
        Assert.Equal(["failed", "succeeded"], task.Attempts!.Select(a => a.Outcome));
        Assert.Equal([1, 2], task.Attempts!.Select(a => a.Number));
        Assert.Contains("failed on purpose", task.Attempts![0].Error);
        Assert.NotNull(task.Attempts![0].ErrorDetail);
    }

    [Fact]
    public async Task TaskThatAlwaysFails_FailsAfterMaxAttempts_AndFailsTheJob()
    {
        // A threshold of 1: the job fails when the second task does, so both run to their last attempt.
        var submitted = await fixture.Api.SubmitAsync(new { type = "fail", taskCount = 2, maxAttempts = 2, failureThreshold = 1, parameters = new { probability = 1 } });

        var job = await fixture.Api.WaitForFinalAsync(submitted.Id);

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(2, job.Counts.Failed);
        var tasks = await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM tasks WHERE job_id = @job AND attempts = 2 AND error LIKE '%failed on purpose%'", ("job", job.Id));
        Assert.Equal(2, tasks);
        await fixture.AssertJobInvariantsAsync(job.Id);
    }
}
