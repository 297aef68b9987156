using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Worker;

/// <summary>
/// The claim and report calls, driven by hand while the workers are stopped, so the test is the only
/// worker: guarded transitions must make every late, duplicate or foreign report harmless.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class WorkerProtocolTests(JobPlatformFixture fixture)
{
    private readonly HttpClient _api = fixture.Api;

    /// <summary>The test acts as the worker: only the worker credential may call the protocol.</summary>
    private readonly HttpClient _worker = fixture.WorkerApi;

    [Fact]
    public async Task Claim_IsIdempotentPerAttempt_AndLateReportsNeverMoveATaskBackwards()
    {
        var workers = fixture.App.GetResource("worker");
        await workers.StopAsync();
        JobResponse job;
        Guid taskId;
        try
        {
            job = await _api.SubmitAsync(new { name = "protocol", type = "noop", taskCount = 2 });
            var tasks = (await _api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{job.Id}/tasks", JobsClient.Json))!;
            taskId = tasks.Items[0].Id;
            var attempt = Guid.NewGuid();

            var grant = await ClaimAsync(taskId, attempt, "test-worker");
            Assert.Equal(HttpStatusCode.OK, grant.StatusCode);
            var claim = (await grant.Content.ReadFromJsonAsync<ClaimTaskResponse>(JobsClient.Json))!;
            Assert.Equal(1, claim.Attempt);
            Assert.Equal("noop", claim.Type);
            Assert.True(claim.LeaseExpiresAt > DateTimeOffset.UtcNow);

            // The same attempt asking again (a retry after a lost response) gets the same grant.
            var again = (await (await ClaimAsync(taskId, attempt, "test-worker")).Content.ReadFromJsonAsync<ClaimTaskResponse>(JobsClient.Json))!;
            Assert.Equal(claim.Attempt, again.Attempt);
            Assert.Equal(claim.LeaseExpiresAt, again.LeaseExpiresAt);

            // Another worker cannot take a task under a live lease.
            Assert.Equal(HttpStatusCode.Conflict, (await ClaimAsync(taskId, Guid.NewGuid(), "other-worker")).StatusCode);

            // A report or heartbeat from an attempt that does not hold the task is refused and changes nothing.
            await AssertStaleAsync(_worker.PostAsJsonAsync($"/api/v1/tasks/{taskId}/complete", new CompleteTaskRequest(Guid.NewGuid(), "other-worker", null), JobsClient.Json), JobTaskStatus.Running);
            await AssertStaleAsync(_worker.PostAsJsonAsync($"/api/v1/tasks/{taskId}/heartbeat", new HeartbeatRequest(Guid.NewGuid(), "other-worker"), JobsClient.Json), JobTaskStatus.Running);

            var beat = await _worker.PostAsJsonAsync($"/api/v1/tasks/{taskId}/heartbeat", new HeartbeatRequest(attempt, "test-worker", TimeSpan.FromMinutes(5)), JobsClient.Json);
            Assert.Equal(HttpStatusCode.OK, beat.StatusCode);
            var extended = (await beat.Content.ReadFromJsonAsync<HeartbeatResponse>(JobsClient.Json))!;
            Assert.True(extended.LeaseExpiresAt > claim.LeaseExpiresAt);

            var done = await CompleteAsync(taskId, attempt, new JsonObject { ["answer"] = 42 });
            Assert.True(done.Applied);
            Assert.Equal(JobTaskStatus.Succeeded, done.Status);

            // Late reports after the task finished: refused, and it stays succeeded.
            await AssertStaleAsync(_worker.PostAsJsonAsync($"/api/v1/tasks/{taskId}/fail", new FailTaskRequest(attempt, "test-worker", "late", null), JobsClient.Json), JobTaskStatus.Succeeded);
            await AssertStaleAsync(_worker.PostAsJsonAsync($"/api/v1/tasks/{taskId}/complete", new CompleteTaskRequest(attempt, "test-worker", null), JobsClient.Json), JobTaskStatus.Succeeded);
            await AssertStaleAsync(_worker.PostAsJsonAsync($"/api/v1/tasks/{taskId}/heartbeat", new HeartbeatRequest(attempt, "test-worker"), JobsClient.Json), JobTaskStatus.Succeeded);

            var refused = await ClaimAsync(taskId, Guid.NewGuid(), "test-worker");
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            await workers.StartAsync();
        }

        // The workers now receive both messages: the finished task's claim is refused and its message
        // dropped, the other task runs.
        var finished = await _api.WaitForFinalAsync(job.Id);
        Assert.Equal(JobStatus.Completed, finished.Status);
        Assert.Equal(2, finished.Counts.Succeeded);
        var task = (await _api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{taskId}", JobsClient.Json))!;
        Assert.Equal(1, task.AttemptCount);
        Assert.Equal("test-worker", task.WorkerId);
        Assert.Equal(42, task.Result!["answer"]!.GetValue<int>());
        await fixture.AssertJobInvariantsAsync(job.Id);
    }

    [Fact]
    public async Task OneReportBatch_AcrossTwoJobs_FailsOneOverItsThreshold_AndCompletesTheOther()
    {
        var workers = fixture.App.GetResource("worker");
        await workers.StopAsync();
        JobResponse failing, passing;
        Guid[] failingTasks, passingTasks;
        try
        {
            failing = await _api.SubmitAsync(new { name = "batch-fails", type = "noop", taskCount = 3, failureThreshold = 0 });
            passing = await _api.SubmitAsync(new { name = "batch-passes", type = "noop", taskCount = 2 });
            failingTasks = await TaskIdsAsync(failing.Id);
            passingTasks = await TaskIdsAsync(passing.Id);

            // One claim batch across both jobs, then one report batch: a failure that exceeds the
            // first job's threshold and the second job's last tasks, with the counters of both jobs
            // moved by the same statement. The first job's third task is claimed but not reported.
            var attempts = failingTasks.Concat(passingTasks).ToDictionary(id => id, _ => Guid.NewGuid());
            using var claimed = await _worker.PostAsJsonAsync("/api/v1/tasks/claims",
                new ClaimTasksRequest("test-worker", attempts.Select(a => new TaskClaimItem(a.Key, a.Value, 1)).ToList()), JobsClient.Json);
            Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
            var grants = (await claimed.Content.ReadFromJsonAsync<ClaimTasksResponse>(JobsClient.Json))!;
            Assert.All(grants.Results, r => Assert.NotNull(r.Grant));

            using var reported = await _worker.PostAsJsonAsync("/api/v1/tasks/reports", new ReportTasksRequest("test-worker",
            [
                new TaskReport(failingTasks[0], attempts[failingTasks[0]], "failed", Error: "boom", Retryable: false),
                new TaskReport(failingTasks[1], attempts[failingTasks[1]], "succeeded"),
                new TaskReport(passingTasks[0], attempts[passingTasks[0]], "succeeded"),
                new TaskReport(passingTasks[1], attempts[passingTasks[1]], "succeeded"),
            ]), JobsClient.Json);
            Assert.Equal(HttpStatusCode.OK, reported.StatusCode);
            var results = (await reported.Content.ReadFromJsonAsync<ReportTasksResponse>(JobsClient.Json))!.Results;
            Assert.Equal([JobTaskStatus.Failed, JobTaskStatus.Succeeded, JobTaskStatus.Succeeded, JobTaskStatus.Succeeded], results.Select(r => r.Status));
            Assert.All(results, r => Assert.True(r.Applied));

            // The job's failure cancelled its third task under the test's running attempt; that
            // attempt's late report, as a worker's would be, is refused but closes the attempt.
            using var late = await _worker.PostAsJsonAsync("/api/v1/tasks/reports", new ReportTasksRequest("test-worker",
                [new TaskReport(failingTasks[2], attempts[failingTasks[2]], "failed", Error: "stopped", Retryable: false)]), JobsClient.Json);
            var stale = Assert.Single((await late.Content.ReadFromJsonAsync<ReportTasksResponse>(JobsClient.Json))!.Results);
            Assert.False(stale.Applied);
            Assert.Equal(JobTaskStatus.Cancelled, stale.Status);
        }
        finally
        {
            await workers.StartAsync();
        }

        var failed = await _api.WaitForFinalAsync(failing.Id);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Equal((1, 1, 1), (failed.Counts.Failed, failed.Counts.Succeeded, failed.Counts.Cancelled));
        var completed = await _api.WaitForFinalAsync(passing.Id);
        Assert.Equal(JobStatus.Completed, completed.Status);
        Assert.Equal(2, completed.Counts.Succeeded);
        await fixture.AssertJobInvariantsAsync(failing.Id);
        await fixture.AssertJobInvariantsAsync(passing.Id);
    }

    private async Task<Guid[]> TaskIdsAsync(Guid jobId) =>
        (await _api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{jobId}/tasks", JobsClient.Json))!.Items.Select(t => t.Id).ToArray();

    [Fact]
    public async Task Claim_OfAnUnknownTask_Is404_AndAnInvalidClaimIs400()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await ClaimAsync(Guid.NewGuid(), Guid.NewGuid(), "test-worker")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ClaimAsync(Guid.NewGuid(), Guid.NewGuid(), "")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ClaimAsync(Guid.NewGuid(), Guid.Empty, "test-worker")).StatusCode);
    }

    private static async Task AssertStaleAsync(Task<HttpResponseMessage> call, string expectedStatus)
    {
        using var response = await call;
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(expectedStatus, problem.RootElement.GetProperty("taskStatus").GetString());
    }

    private Task<HttpResponseMessage> ClaimAsync(Guid taskId, Guid attemptId, string workerId) =>
        _worker.PostAsJsonAsync($"/api/v1/tasks/{taskId}/claim", new ClaimTaskRequest(workerId, attemptId, 1), JobsClient.Json);

    private async Task<TaskReportResponse> CompleteAsync(Guid taskId, Guid attemptId, JsonNode? result = null)
    {
        using var response = await _worker.PostAsJsonAsync($"/api/v1/tasks/{taskId}/complete", new CompleteTaskRequest(attemptId, "test-worker", result), JobsClient.Json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TaskReportResponse>(JobsClient.Json))!;
    }
}
