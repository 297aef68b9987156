using System.Net;
using System.Net.Http.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

[Collection(GraphCollection.Name)]
public sealed class FailureThresholdTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task FailuresWithinTheThreshold_CompleteTheJob()
    {
        var submitted = await fixture.Api.SubmitAsync(new { type = "fail", taskCount = 4, maxAttempts = 1, failureThreshold = 4 });

        var job = await fixture.Api.WaitForFinalAsync(submitted.Id);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(4, job.Counts.Failed);
        Assert.Equal(4, job.FailureThreshold);
        await fixture.AssertJobInvariantsAsync(job.Id);
    }

    [Fact]
    public async Task TheFailureThatExceedsTheThreshold_FailsTheJobAtOnce_AndCancelsTheRest()
    {
        var workers = fixture.WorkerPools;
        await workers.StopAsync();
        JobResponse job;
        try
        {
            // The test is the only worker: one task fails for good while four wait.
            var submitted = await fixture.Api.SubmitAsync(new { name = "threshold", type = "noop", taskCount = 5, maxAttempts = 1 });
            var task = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{submitted.Id}/tasks", JobsClient.Json))!.Items[0];
            var attempt = Guid.NewGuid();
            await fixture.WorkerApi.ClaimGrantedAsync(task.Id, attempt);
            var failed = await fixture.WorkerApi.ReportAsync(new TaskReport(task.Id, attempt, TaskReportOutcome.Failed, Error: "broken input", Retryable: false));
            Assert.True(failed.Applied);

            job = await fixture.Api.GetJobAsync(submitted.Id);
        }
        finally
        {
            await workers.StartAsync();
        }

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(1, job.Counts.Failed);
        Assert.NotNull(job.FinishedAt);
        // The report cancels the rest in its own transaction, skipping any task another transaction
        // holds at that moment (the relay marking it enqueued, say); the reconciler cancels those.
        await Eventually.Until(() => fixture.Api.GetJobAsync(job.Id), j => j.Counts.Cancelled == 4, TimeSpan.FromSeconds(15),
            j => $"{j?.Counts.Cancelled} of the 4 other tasks cancelled");

        // The cancelled tasks' messages reach the restarted workers, whose claims are refused: nothing runs.
        await Eventually.Until(
            () => fixture.QueryScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE job_id = @job", ("job", job.Id)),
            rows => rows == 0, TimeSpan.FromSeconds(10), rows => $"{rows} outbox rows");
        var after = await fixture.Api.GetJobAsync(job.Id);
        Assert.Equal(JobStatus.Failed, after.Status);
        Assert.Equal(4, after.Counts.Cancelled);
        await fixture.AssertJobInvariantsAsync(job.Id);
        Assert.Equal(1, await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job", ("job", job.Id)));
    }

    [Fact]
    public async Task ThresholdOutsideZeroToTaskCount_Is400()
    {
        using var response = await fixture.Api.PostJobAsync(new { type = "noop", taskCount = 2, failureThreshold = 3 });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
