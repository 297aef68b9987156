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
        var workers = fixture.WorkerPools;
        await workers.StopAsync();
        JobResponse job;
        Guid taskId;
        try
        {
            job = await _api.SubmitAsync(new { name = "protocol", type = "noop", taskCount = 2 });
            var tasks = (await _api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{job.Id}/tasks", JobsClient.Json))!;
            taskId = tasks.Items[0].Id;
            var attempt = Guid.NewGuid();

            var claim = await _worker.ClaimGrantedAsync(taskId, attempt);
            Assert.Equal(1, claim.Attempt);
            Assert.Equal(0, claim.Index);
            Assert.Equal("noop", claim.Type);
            Assert.True(claim.LeaseExpiresAt > DateTimeOffset.UtcNow);

            // The same attempt asking again (a retry after a lost response) gets the same grant.
            var again = await _worker.ClaimGrantedAsync(taskId, attempt);
            Assert.Equal(claim.Attempt, again.Attempt);
            Assert.Equal(claim.LeaseExpiresAt, again.LeaseExpiresAt);

            // Another worker cannot take a task under a live lease.
            var taken = await _worker.ClaimAsync(taskId, Guid.NewGuid(), "other-worker");
            Assert.Null(taken.Grant);
            Assert.Equal(JobTaskStatus.Running, taken.TaskStatus);

            // A report or heartbeat from an attempt that does not hold the task is refused and changes nothing.
            await AssertStaleAsync(new TaskReport(taskId, Guid.NewGuid(), TaskReportOutcome.Succeeded), JobTaskStatus.Running);
            await AssertStaleHeartbeatAsync(taskId, Guid.NewGuid(), JobTaskStatus.Running);

            var beat = await _worker.PostAsJsonAsync(WorkerRoutes.HeartbeatPath(taskId), new HeartbeatRequest(attempt, ProtocolClient.TestWorker, TimeSpan.FromMinutes(5)), JobsClient.Json);
            Assert.Equal(HttpStatusCode.OK, beat.StatusCode);
            var extended = (await beat.Content.ReadFromJsonAsync<HeartbeatResponse>(JobsClient.Json))!;
            Assert.True(extended.LeaseExpiresAt > claim.LeaseExpiresAt);

            // A beat may carry the handler's progress: the task shows it, until a beat says otherwise.
            Assert.Null((await GetTaskAsync(taskId)).Progress);
            await BeatAsync(taskId, attempt, new TaskProgress(0.25, "reading part 1 of 4"));
            Assert.Equal(new TaskProgress(0.25, "reading part 1 of 4"), (await GetTaskAsync(taskId)).Progress);
            await BeatAsync(taskId, attempt, null);
            Assert.Equal(new TaskProgress(0.25, "reading part 1 of 4"), (await GetTaskAsync(taskId)).Progress);
            await BeatAsync(taskId, attempt, new TaskProgress(null, "writing"));
            Assert.Equal(new TaskProgress(null, "writing"), (await GetTaskAsync(taskId)).Progress);
            foreach (var bad in new[] { new TaskProgress(1.5, null), new TaskProgress(-0.1, null), new TaskProgress(0.5, new string('x', TaskProgress.MaxMessageLength + 1)) })
            {
                using var refusedBeat = await _worker.PostAsJsonAsync(WorkerRoutes.HeartbeatPath(taskId), new HeartbeatRequest(attempt, ProtocolClient.TestWorker, Progress: bad), JobsClient.Json);
                Assert.Equal(HttpStatusCode.BadRequest, refusedBeat.StatusCode);
            }
            Assert.Equal(new TaskProgress(null, "writing"), (await GetTaskAsync(taskId)).Progress);

            var done = await _worker.ReportAsync(new TaskReport(taskId, attempt, TaskReportOutcome.Succeeded, Result: new JsonObject { ["answer"] = 42 }));
            Assert.True(done.Applied);
            Assert.Equal(JobTaskStatus.Succeeded, done.Status);

            // Late reports after the task finished: refused, and it stays succeeded.
            await AssertStaleAsync(new TaskReport(taskId, attempt, TaskReportOutcome.Failed, Error: "late"), JobTaskStatus.Succeeded);
            await AssertStaleAsync(new TaskReport(taskId, attempt, TaskReportOutcome.Succeeded), JobTaskStatus.Succeeded);
            await AssertStaleHeartbeatAsync(taskId, attempt, JobTaskStatus.Succeeded);

            var refused = await _worker.ClaimAsync(taskId, Guid.NewGuid());
            Assert.Null(refused.Grant);
            Assert.Equal(JobTaskStatus.Succeeded, refused.TaskStatus);
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
        var workers = fixture.WorkerPools;
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
            using var claimed = await _worker.PostAsJsonAsync(WorkerRoutes.ClaimsPath,
                new ClaimTasksRequest("test-worker", attempts.Select(a => new TaskClaimItem(a.Key, a.Value, 1)).ToList()), JobsClient.Json);
            Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
            var grants = (await claimed.Content.ReadFromJsonAsync<ClaimTasksResponse>(JobsClient.Json))!;
            Assert.All(grants.Results, r => Assert.NotNull(r.Grant));

            var results = await _worker.ReportAsync(
            [
                new TaskReport(failingTasks[0], attempts[failingTasks[0]], TaskReportOutcome.Failed, Error: "boom", Retryable: false),
                new TaskReport(failingTasks[1], attempts[failingTasks[1]], TaskReportOutcome.Succeeded),
                new TaskReport(passingTasks[0], attempts[passingTasks[0]], TaskReportOutcome.Succeeded),
                new TaskReport(passingTasks[1], attempts[passingTasks[1]], TaskReportOutcome.Succeeded),
            ]);
            Assert.Equal([JobTaskStatus.Failed, JobTaskStatus.Succeeded, JobTaskStatus.Succeeded, JobTaskStatus.Succeeded], results.Select(r => r.Status));
            Assert.All(results, r => Assert.True(r.Applied));

            // The job's failure cancelled its third task under the test's running attempt; that
            // attempt's late report, as a worker's would be, is refused but closes the attempt.
            var stale = await _worker.ReportAsync(
                new TaskReport(failingTasks[2], attempts[failingTasks[2]], TaskReportOutcome.Failed, Error: "stopped", Retryable: false));
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

    /// <summary>
    /// PostgreSQL cannot store a NUL character: a result holding one fails its own attempt for good,
    /// with an error saying so, while the rest of the batch applies.
    /// </summary>
    [Fact]
    public async Task AResultThatCannotBeStored_FailsItsTask_AndTheRestOfTheBatchApplies()
    {
        var workers = fixture.WorkerPools;
        await workers.StopAsync();
        JobResponse job;
        Guid[] tasks;
        try
        {
            job = await _api.SubmitAsync(new { name = "nul-result", type = "noop", taskCount = 2, failureThreshold = 1 });
            tasks = await TaskIdsAsync(job.Id);
            var attempts = tasks.Select(_ => Guid.NewGuid()).ToArray();
            for (var i = 0; i < tasks.Length; i++)
            {
                await _worker.ClaimGrantedAsync(tasks[i], attempts[i]);
            }

            var results = await _worker.ReportAsync(
            [
                new TaskReport(tasks[0], attempts[0], TaskReportOutcome.Succeeded, Result: new JsonObject { ["text"] = "a\0b" }),
                new TaskReport(tasks[1], attempts[1], TaskReportOutcome.Succeeded, Result: new JsonObject { ["text"] = "fine" }),
            ]);

            Assert.Equal([JobTaskStatus.Failed, JobTaskStatus.Succeeded], results.Select(r => r.Status));
            Assert.All(results, r => Assert.True(r.Applied));
        }
        finally
        {
            await workers.StartAsync();
        }

        var finished = await _api.WaitForFinalAsync(job.Id);
        Assert.Equal(JobStatus.Completed, finished.Status);
        var failed = (await _api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{tasks[0]}", JobsClient.Json))!;
        Assert.Contains("NUL", failed.Error);
        Assert.Null(failed.Result);
        await fixture.AssertJobInvariantsAsync(job.Id);
    }

    private async Task<Guid[]> TaskIdsAsync(Guid jobId) =>
        (await _api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{jobId}/tasks", JobsClient.Json))!.Items.Select(t => t.Id).ToArray();

    [Fact]
    public async Task Claim_OfAnUnknownTask_IsAnsweredWithoutAStatus_AndAnInvalidClaimIs400()
    {
        var unknown = await _worker.ClaimAsync(Guid.NewGuid(), Guid.NewGuid());
        Assert.Null(unknown.Grant);
        Assert.Null(unknown.TaskStatus);

        var missingWorker = new ClaimTasksRequest("", [new TaskClaimItem(Guid.NewGuid(), Guid.NewGuid(), 1)]);
        var missingAttempt = new ClaimTasksRequest(ProtocolClient.TestWorker, [new TaskClaimItem(Guid.NewGuid(), Guid.Empty, 1)]);
        var tooMany = new ClaimTasksRequest(ProtocolClient.TestWorker,
            Enumerable.Range(0, WorkerRoutes.MaxClaimBatch + 1).Select(_ => new TaskClaimItem(Guid.NewGuid(), Guid.NewGuid(), 1)).ToList());
        foreach (var invalid in new[] { missingWorker, missingAttempt, tooMany })
        {
            using var response = await _worker.PostAsJsonAsync(WorkerRoutes.ClaimsPath, invalid, JobsClient.Json);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    /// <summary>A stale report is answered 200 per batch, not applied, with the task's status.</summary>
    private async Task AssertStaleAsync(TaskReport report, string expectedStatus)
    {
        var result = await _worker.ReportAsync(report);
        Assert.False(result.Applied);
        Assert.Equal(expectedStatus, result.Status);
    }

    private async Task<TaskResponse> GetTaskAsync(Guid taskId) =>
        (await _api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{taskId}", JobsClient.Json))!;

    private async Task BeatAsync(Guid taskId, Guid attemptId, TaskProgress? progress)
    {
        using var beat = await _worker.PostAsJsonAsync(WorkerRoutes.HeartbeatPath(taskId), new HeartbeatRequest(attemptId, ProtocolClient.TestWorker, TimeSpan.FromMinutes(5), progress), JobsClient.Json);
        Assert.Equal(HttpStatusCode.OK, beat.StatusCode);
    }

    private async Task AssertStaleHeartbeatAsync(Guid taskId, Guid attemptId, string expectedStatus)
    {
        using var response = await _worker.PostAsJsonAsync(WorkerRoutes.HeartbeatPath(taskId), new HeartbeatRequest(attemptId, ProtocolClient.TestWorker), JobsClient.Json);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(expectedStatus, problem.RootElement.GetProperty(WorkerRoutes.TaskStatusExtension).GetString());
    }
}
