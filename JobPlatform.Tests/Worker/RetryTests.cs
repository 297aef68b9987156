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

    [Fact]
    public async Task RetriesWaitLongerEachTime_OnTheApisClock()
    {
        // The test graph's backoff is 0.5 s x 3^(n-1), half of it jittered: waits of 0.25-0.5 s,
        // 0.75-1.5 s and 2.25-4.5 s, each held in PostgreSQL until the relay sends the task again.
        var submitted = await fixture.Api.SubmitAsync(new { type = "fail", taskCount = 1, maxAttempts = 4, parameters = new { probability = 1 } });

        var job = await fixture.Api.WaitForFinalAsync(submitted.Id);

        Assert.Equal(JobStatus.Failed, job.Status);
        var taskId = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{job.Id}/tasks", JobsClient.Json))!.Items[0].Id;
        var attempts = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{taskId}", JobsClient.Json))!.Attempts!;
        Assert.Equal(["failed", "failed", "failed", "failed"], attempts.Select(a => a.Outcome));
        var waits = attempts.Zip(attempts.Skip(1), (before, after) => (after.StartedAt - before.EndedAt!.Value).TotalSeconds).ToList();
        var described = string.Join(", ", waits.Select(w => $"{w:0.00} s"));
        // Each wait is at least its backoff's shortest (the jitter takes up to half of it away).
        Assert.True(waits[0] >= 0.25 && waits[1] >= 0.75 && waits[2] >= 2.25, $"waits were {described}");
        // The third backoff (at least 2.25 s) is longer than the first (at most 0.5 s, plus a relay pass and a receive).
        Assert.True(waits[2] > waits[0] + 1, $"waits were {described}");
        await fixture.AssertJobInvariantsAsync(job.Id);
    }

    [Fact]
    public async Task AJobsRetryBackoff_SetsItsWaits_OverTheApis()
    {
        // The test graph's own first wait is 0.25-0.5 s; this job's is 4-8 s.
        var submitted = await fixture.Api.SubmitAsync(new
        {
            type = "fail", taskCount = 1, maxAttempts = 2, parameters = new { failOnAttempts = new[] { 1 } },
            retryBackoff = new { initialDelaySeconds = 8 },
        });
        Assert.Equal(new RetryBackoff(InitialDelaySeconds: 8), submitted.RetryBackoff);

        var job = await fixture.Api.WaitForFinalAsync(submitted.Id, TimeSpan.FromSeconds(60));

        Assert.Equal(JobStatus.Completed, job.Status);
        var taskId = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{job.Id}/tasks", JobsClient.Json))!.Items[0].Id;
        var attempts = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{taskId}", JobsClient.Json))!.Attempts!;
        Assert.Equal(["failed", "succeeded"], attempts.Select(a => a.Outcome));
        var wait = (attempts[1].StartedAt - attempts[0].EndedAt!.Value).TotalSeconds;
        Assert.True(wait >= 3.9, $"the retry waited {wait:0.00} s, less than half of the job's first backoff (8 s)");
    }
}
