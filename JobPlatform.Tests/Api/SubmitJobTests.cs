using System.Net;
using System.Net.Http.Json;
using JobPlatform.Api.Lifecycle;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

[Collection(GraphCollection.Name)]
public sealed class SubmitJobTests(JobPlatformFixture fixture)
{
    private readonly HttpClient _api = fixture.Api;

    [Fact]
    public async Task Submit_Returns201WithTheJobAndLocation()
    {
        using var response = await _api.PostJobAsync(new { name = "shape", type = "sleep", taskCount = 5, parameters = new { ms = 1 } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var job = (await response.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!;
        Assert.Equal($"/api/v1/jobs/{job.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal("shape", job.Name);
        Assert.Equal("sleep", job.Type);
        Assert.Equal(JobStatus.Pending, job.Status);
        Assert.Equal(5, job.TaskCount);
        Assert.Equal(5, job.Counts.Pending);
        Assert.Equal(3, job.MaxAttempts);
        Assert.Equal(1, job.Parameters["ms"]!.GetValue<int>());
        Assert.True(job.CreatedAt > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Null(job.FinishedAt);
    }

    [Fact]
    public async Task Job_OfThreeHundredTasks_CompletesWithEveryTaskSucceededOnce()
    {
        var submitted = await _api.SubmitAsync(new { name = "three-hundred", type = "sleep", taskCount = 300, parameters = new { ms = 5 } });

        var job = await _api.WaitForFinalAsync(submitted.Id);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(300, job.Counts.Succeeded);
        Assert.Equal(0, job.Counts.Failed + job.Counts.Pending + job.Counts.Enqueued + job.Counts.Running + job.Counts.Retrying);
        Assert.NotNull(job.StartedAt);
        Assert.NotNull(job.FinishedAt);
        Assert.True(job.FinishedAt >= job.StartedAt);

        var attempts = await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job", ("job", job.Id));
        var runOnce = await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM tasks WHERE job_id = @job AND attempts = 1 AND status = 'succeeded'", ("job", job.Id));
        var outbox = await fixture.QueryScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE job_id = @job", ("job", job.Id));
        await fixture.AssertJobInvariantsAsync(job.Id);
        Assert.Equal(300, attempts);
        Assert.Equal(300, runOnce);
        Assert.Equal(0, outbox);
    }

    [Theory]
    [InlineData(Submission.InlineTaskLimit)]
    [InlineData(Submission.InlineTaskLimit + 1)]
    public async Task Job_EitherSideOfTheInlineLimit_GetsEveryIndexOnceAndCompletes(int taskCount)
    {
        // Up to the limit, tasks are inserted with the job in one batch; above it they are copied.
        var submitted = await _api.SubmitAsync(new { name = "inline-limit", type = "noop", taskCount });

        var stored = await fixture.QueryScalarAsync<string>(
            "SELECT count(*) || ' ' || count(DISTINCT \"index\") || ' ' || min(\"index\") || ' ' || max(\"index\") FROM tasks WHERE job_id = @job",
            ("job", submitted.Id));
        Assert.Equal($"{taskCount} {taskCount} 0 {taskCount - 1}", stored);

        var job = await _api.WaitForFinalAsync(submitted.Id);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(taskCount, job.Counts.Succeeded);
        await fixture.AssertJobInvariantsAsync(job.Id);
        Assert.Equal(0, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE job_id = @job", ("job", job.Id)));
    }

    [Fact]
    public async Task Tasks_AreListedInOrder_WithPagingAndStatusFilter()
    {
        var submitted = await _api.SubmitAsync(new { type = "echo", taskCount = 25, parameters = new { hello = "world" } });
        await _api.WaitForFinalAsync(submitted.Id);

        var page = (await _api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{submitted.Id}/tasks?page=2&pageSize=10", JobsClient.Json))!;
        Assert.Equal(25, page.TotalCount);
        Assert.Equal(3, page.TotalPages);
        Assert.Equal(Enumerable.Range(10, 10), page.Items.Select(t => t.Index));
        Assert.All(page.Items, t => Assert.Equal(JobTaskStatus.Succeeded, t.Status));
        Assert.All(page.Items, t => Assert.Equal("world", t.Result!["hello"]!.GetValue<string>()));

        var failed = (await _api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{submitted.Id}/tasks?status=failed", JobsClient.Json))!;
        Assert.Equal(0, failed.TotalCount);

        var task = (await _api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{page.Items[0].Id}", JobsClient.Json))!;
        Assert.Equal(submitted.Id, task.JobId);
        Assert.Equal(1, task.AttemptCount);
        var attempt = Assert.Single(task.Attempts!);
        Assert.Equal(1, attempt.Number);
        Assert.Equal(task.WorkerId, attempt.WorkerId);
        Assert.Equal("succeeded", attempt.Outcome);
        Assert.True(attempt.EndedAt >= attempt.StartedAt);
        Assert.Null(page.Items[0].Attempts);
        Assert.NotNull(task.WorkerId);
        Assert.StartsWith("worker-", task.WorkerId);
    }

    [Fact]
    public async Task Jobs_AreListedNewestFirst_WithPagingAndStatusFilter()
    {
        var first = await _api.SubmitAsync(new { name = "list-a", type = "noop", taskCount = 1 });
        var second = await _api.SubmitAsync(new { name = "list-b", type = "noop", taskCount = 1 });
        await _api.WaitForFinalAsync(first.Id);
        await _api.WaitForFinalAsync(second.Id);

        var page = (await _api.GetFromJsonAsync<PagedResponse<JobResponse>>("/api/v1/jobs?page=1&pageSize=2", JobsClient.Json))!;
        Assert.Equal(2, page.PageSize);
        Assert.True(page.TotalCount >= 2);
        Assert.Equal([second.Id, first.Id], page.Items.Select(j => j.Id));

        var completed = (await _api.GetFromJsonAsync<PagedResponse<JobResponse>>("/api/v1/jobs?status=completed&pageSize=500", JobsClient.Json))!;
        Assert.Contains(completed.Items, j => j.Id == first.Id);
        Assert.All(completed.Items, j => Assert.Equal(JobStatus.Completed, j.Status));
    }

    [Fact]
    public async Task UnknownJobOrTask_Is404Problem()
    {
        foreach (var path in new[] { $"/api/v1/jobs/{Guid.NewGuid()}", $"/api/v1/jobs/{Guid.NewGuid()}/tasks", $"/api/v1/tasks/{Guid.NewGuid()}" })
        {
            using var response = await _api.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
