using System.Net;
using System.Net.Http.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

[Collection(GraphCollection.Name)]
public sealed class CancelAndRetryTests(JobPlatformFixture fixture)
{
    private readonly HttpClient _api = fixture.Api;

    [Fact]
    public async Task CancellingARunningJob_StopsItsTasks_AndRetryingItRunsThemToCompletion()
    {
        // More tasks than the two workers have slots, so some run and some wait when the job is cancelled.
        var submitted = await _api.SubmitAsync(new { name = "cancel-me", type = "sleep", taskCount = 50, parameters = new { ms = 60_000 } });
        await _api.WaitForJobAsync(submitted.Id, job => job.Counts.Running > 0);

        var cancelled = await PostAsync<JobResponse>($"/api/v1/jobs/{submitted.Id}/cancel", HttpStatusCode.OK);
        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        Assert.Equal(50, cancelled.Counts.Cancelled);
        Assert.NotNull(cancelled.FinishedAt);

        // Idempotent: a second cancel answers the same and changes nothing.
        var again = await PostAsync<JobResponse>($"/api/v1/jobs/{submitted.Id}/cancel", HttpStatusCode.OK);
        Assert.Equal(JobStatus.Cancelled, again.Status);

        // The running attempts stop at their next heartbeat and record how they ended.
        await Eventually.Until(
            () => fixture.QueryScalarAsync<long>(
                "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job AND a.ended_at IS NULL",
                ("job", submitted.Id)),
            open => open == 0, TimeSpan.FromSeconds(30), open => $"{open} attempts still open");
        Assert.Equal(JobStatus.Cancelled, (await _api.GetJobAsync(submitted.Id)).Status);

        // The workers are free again: a small job goes straight through.
        var next = await _api.SubmitAsync(new { type = "noop", taskCount = 10 });
        Assert.Equal(JobStatus.Completed, (await _api.WaitForFinalAsync(next.Id, TimeSpan.FromSeconds(30))).Status);

        // Retry re-runs every cancelled task: 50 x 60 s is too long, so the test retries a quicker twin.
        var quick = await _api.SubmitAsync(new { name = "cancel-then-retry", type = "sleep", taskCount = 40, parameters = new { ms = 200 } });
        await PostAsync<JobResponse>($"/api/v1/jobs/{quick.Id}/cancel", HttpStatusCode.OK);
        var retried = await PostAsync<JobResponse>($"/api/v1/jobs/{quick.Id}/retry", HttpStatusCode.OK);
        Assert.Equal(JobStatus.Running, retried.Status);

        var done = await _api.WaitForFinalAsync(quick.Id);
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Equal(40, done.Counts.Succeeded);
        await fixture.AssertJobInvariantsAsync(quick.Id);
        await fixture.AssertJobInvariantsAsync(submitted.Id);
    }

    [Fact]
    public async Task RetryingAFailedJob_GivesItsTasksFreshAttempts()
    {
        // A threshold of 1: the job fails only when both tasks did, so both used their one attempt.
        var submitted = await _api.SubmitAsync(new { type = "fail", taskCount = 2, maxAttempts = 1, failureThreshold = 1, parameters = new { failOnAttempts = new[] { 1 } } });
        var failed = await _api.WaitForFinalAsync(submitted.Id);
        Assert.Equal(JobStatus.Failed, failed.Status);

        await PostAsync<JobResponse>($"/api/v1/jobs/{submitted.Id}/retry", HttpStatusCode.OK);
        var job = await _api.WaitForFinalAsync(submitted.Id);

        // Attempt 2 does not fail, so the retried job completes; both attempts stay on record.
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(2, job.Counts.Succeeded);
        var tasks = (await _api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{job.Id}/tasks", JobsClient.Json))!;
        var task = (await _api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{tasks.Items[0].Id}", JobsClient.Json))!;
        Assert.Equal(["failed", "succeeded"], task.Attempts!.Select(a => a.Outcome));
        Assert.Equal(2, task.MaxAttempts);
        await fixture.AssertJobInvariantsAsync(job.Id);
    }

    [Fact]
    public async Task CancelAndRetry_AreRefusedWhereTheyDoNotApply()
    {
        var submitted = await _api.SubmitAsync(new { type = "noop", taskCount = 3 });
        var completed = await _api.WaitForFinalAsync(submitted.Id);
        var task = (await _api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{completed.Id}/tasks", JobsClient.Json))!.Items[0];

        await AssertProblemAsync($"/api/v1/jobs/{completed.Id}/cancel", HttpStatusCode.Conflict);
        await AssertProblemAsync($"/api/v1/jobs/{completed.Id}/retry", HttpStatusCode.Conflict);
        await AssertProblemAsync($"/api/v1/tasks/{task.Id}/retry", HttpStatusCode.Conflict);
        await AssertProblemAsync($"/api/v1/jobs/{Guid.NewGuid()}/cancel", HttpStatusCode.NotFound);
        await AssertProblemAsync($"/api/v1/tasks/{Guid.NewGuid()}/retry", HttpStatusCode.NotFound);
        Assert.Equal(JobStatus.Completed, (await _api.GetJobAsync(completed.Id)).Status);
    }

    [Fact]
    public async Task RetryingOneFailedTask_RunsItAgain()
    {
        var submitted = await _api.SubmitAsync(new { type = "fail", taskCount = 1, maxAttempts = 1, parameters = new { failOnAttempts = new[] { 1 } } });
        await _api.WaitForFinalAsync(submitted.Id);
        var task = (await _api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{submitted.Id}/tasks", JobsClient.Json))!.Items[0];
        Assert.Equal(JobTaskStatus.Failed, task.Status);

        var retried = await PostAsync<TaskResponse>($"/api/v1/tasks/{task.Id}/retry", HttpStatusCode.OK);
        // The answer reads the task after the retry committed; a quick worker may already have run it.
        Assert.Contains(retried.Status, new[] { JobTaskStatus.Pending, JobTaskStatus.Enqueued, JobTaskStatus.Running, JobTaskStatus.Succeeded });

        var job = await _api.WaitForFinalAsync(submitted.Id);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(1, job.Counts.Succeeded);
    }

    private async Task<T> PostAsync<T>(string path, HttpStatusCode expected)
    {
        using var response = await _api.PostAsync(path, null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return System.Text.Json.JsonSerializer.Deserialize<T>(text, JobsClient.Json)!;
    }

    private async Task AssertProblemAsync(string path, HttpStatusCode expected)
    {
        using var response = await _api.PostAsync(path, null);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
