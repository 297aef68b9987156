using System.Net.Http.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using JobPlatform.Worker.Handlers;
using JobPlatform.Worker.Sdk;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace JobPlatform.Tests.Worker;

[Collection(GraphCollection.Name)]
public sealed class PoisonTaskTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task TaskThatCrashesItsWorker_EndsDeadLetteredWithEveryAttemptLost_WhileOtherWorkFlows()
    {
        var replicas = fixture.App.GetResource("worker").Replicas;
        var restarts = replicas.Sum(r => r.Restarts);

        var poison = await fixture.Api.SubmitAsync(new { name = "poison", type = "crash", taskCount = 1, maxAttempts = 2 });
        var other = await fixture.Api.SubmitAsync(new { name = "beside-poison", type = "sleep", taskCount = 40, parameters = new { ms = 50 } });

        var otherJob = await fixture.Api.WaitForFinalAsync(other.Id);
        var poisonJob = await fixture.Api.WaitForFinalAsync(poison.Id);

        Assert.Equal(JobStatus.Completed, otherJob.Status);
        Assert.Equal(40, otherJob.Counts.Succeeded);
        Assert.Equal(JobStatus.Failed, poisonJob.Status);
        var taskId = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{poison.Id}/tasks", JobsClient.Json))!.Items[0].Id;
        var task = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{taskId}", JobsClient.Json))!;
        Assert.Equal(JobTaskStatus.DeadLettered, task.Status);
        Assert.Contains("may crash its worker", task.Error);
        Assert.Equal(1, poisonJob.Counts.DeadLettered);
        Assert.Equal(["lost", "lost"], task.Attempts!.Select(a => a.Outcome));
        // The supervisor restarts a replica that crashes twice in a row after a backoff: its count may lag the task's end.
        await Eventually.Until(() => Task.FromResult(replicas.Sum(r => r.Restarts)), count => count >= restarts + 2,
            TimeSpan.FromSeconds(60), count => $"expected two crashes, saw {count - restarts}");
        Assert.Contains(fixture.RecentLog(2_000).Split('\n'), line => line.Contains($"Task {taskId} attempt 1 is a crash task"));
        await fixture.AssertJobInvariantsAsync(poison.Id);
        await fixture.AssertJobInvariantsAsync(other.Id);

        // Leave the graph as the other tests expect it: every replica back up.
        await Eventually.Until(() => Task.FromResult(replicas.All(r => r.ProcessId is not null)), up => up,
            TimeSpan.FromSeconds(60), _ => "a worker replica did not come back");
    }

    [Fact]
    public async Task CrashHandler_OnAWorkerThatDoesNotAllowThem_FailsTheTaskForGood_AndLeavesTheProcessAlone()
    {
        var handler = new CrashHandler(
            Options.Create(new WorkerOptions { WorkerId = "guarded" }), Options.Create(new CrashTaskOptions { AllowCrashTasks = false }));

        var error = await Assert.ThrowsAsync<NonRetryableTaskException>(() =>
            handler.HandleAsync(new EmptyInput(), new TaskContext(Guid.NewGuid(), Guid.NewGuid(), 0, 1, 3, null, NullLogger.Instance), CancellationToken.None));

        Assert.Contains("Worker:AllowCrashTasks", error.Message);
        Assert.Contains("guarded", error.Message);
    }
}
