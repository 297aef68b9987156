using System.Net.Http.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.AppHost;

[Collection(GraphCollection.Name)]
public sealed class SupervisionTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task CrashedWorkerReplica_IsRestarted_AndWorkGoesOn()
    {
        var replica = fixture.App.GetResource("worker").Replicas[0];
        var pid = replica.ProcessId;
        var restarts = replica.Restarts;

        await replica.KillAsync();

        await Eventually.Until(() => Task.FromResult((replica.Restarts, replica.ProcessId)),
            // At least once: a poison task an earlier test left in the queue may crash it again.
            state => state.Restarts >= restarts + 1 && state.ProcessId is not null && state.ProcessId != pid,
            TimeSpan.FromSeconds(30), state => $"restarts {state.Restarts}, pid {state.ProcessId}");
        Assert.Contains(fixture.RecentLog(400).Split('\n'), line => line.Contains($"{replica.Name}: exited with code") && line.Contains("restarting in"));

        var job = await fixture.Api.SubmitAsync(new { type = "noop", taskCount = 60 });
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);
    }

    [Fact]
    public async Task WorkerKilledMidTask_ItsTasksRunAgainElsewhere_AndTheLostAttemptsAreRecorded()
    {
        var submitted = await fixture.Api.SubmitAsync(new { name = "killed-mid-task", type = "sleep", taskCount = 4, parameters = new { ms = 3_000 } });
        await fixture.Api.WaitForJobAsync(submitted.Id, job => job.Counts.Running == 4);
        var tasks = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{submitted.Id}/tasks", JobsClient.Json))!.Items;
        var victim = tasks[0].WorkerId!;
        var onVictim = tasks.Where(t => t.WorkerId == victim).Select(t => t.Id).ToList();

        await fixture.App.GetResource("worker").Replicas.Single(r => r.Name == victim).KillAsync();

        var job = await fixture.Api.WaitForFinalAsync(submitted.Id);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(4, job.Counts.Succeeded);
        foreach (var id in onVictim)
        {
            var task = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{id}", JobsClient.Json))!;
            Assert.Equal(["lost", "succeeded"], task.Attempts!.Select(a => a.Outcome));
            Assert.Equal(victim, task.Attempts![0].WorkerId);
            Assert.All(task.Attempts!, a => Assert.NotNull(a.EndedAt));
        }
        await fixture.AssertJobInvariantsAsync(job.Id);
    }

    [Fact]
    public async Task WorkerPausedPastItsLease_LosesTheTaskToAnother_AndItsLateReportChangesNothing()
    {
        var submitted = await fixture.Api.SubmitAsync(new { name = "paused-worker", type = "sleep", taskCount = 1, parameters = new { ms = 5_000 } });
        await fixture.Api.WaitForJobAsync(submitted.Id, job => job.Counts.Running == 1);
        var taskId = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{submitted.Id}/tasks", JobsClient.Json))!.Items[0].Id;
        var victim = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{taskId}", JobsClient.Json))!.WorkerId!;
        var replica = fixture.App.GetResource("worker").Replicas.Single(r => r.Name == victim);

        await replica.PauseAsync();
        TaskResponse finished;
        try
        {
            var job = await fixture.Api.WaitForFinalAsync(submitted.Id, TimeSpan.FromSeconds(60));
            Assert.Equal(JobStatus.Completed, job.Status);
            finished = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{taskId}", JobsClient.Json))!;
            Assert.NotEqual(victim, finished.WorkerId);
        }
        finally
        {
            await replica.ResumeAsync();
        }

        // Thawed, the paused worker learns from its next heartbeat or report that it lost the task.
        await Eventually.Until(() => Task.FromResult(fixture.RecentLog(2_000)),
            log => log.Split('\n').Any(line => line.StartsWith($"[{victim}]") && line.Contains(taskId.ToString()) && (line.Contains("lost its lease") || line.Contains("was stale"))),
            TimeSpan.FromSeconds(30), _ => $"{victim} never reported on task {taskId}");
        var after = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{taskId}", JobsClient.Json))!;
        Assert.Equal(JobTaskStatus.Succeeded, after.Status);
        Assert.Equal(finished.WorkerId, after.WorkerId);
        Assert.Equal(finished.Result?.ToJsonString(), after.Result?.ToJsonString());
        Assert.Equal(["lost", "succeeded"], after.Attempts!.Select(a => a.Outcome));
        Assert.Equal(victim, after.Attempts![0].WorkerId);
        await fixture.AssertJobInvariantsAsync(submitted.Id);
    }
}
