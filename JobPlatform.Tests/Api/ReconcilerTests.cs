using System.Net;
using System.Net.Http.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

[Collection(GraphCollection.Name)]
public sealed class ReconcilerTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task TaskWhoseWorkerVanished_AfterDroppingItsMessage_IsTakenBackAndRunsAgain()
    {
        var workers = fixture.WorkerPools;
        await workers.StopAsync();
        JobResponse job;
        Guid taskId;
        try
        {
            // Play a worker that receives the message, deletes it, claims the task and dies.
            job = await fixture.Api.SubmitAsync(new { name = "vanished-worker", type = "noop", taskCount = 1 });
            taskId = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{job.Id}/tasks", JobsClient.Json))!.Items[0].Id;
            await fixture.TakeTaskMessagesAsync();
            await fixture.WorkerApi.ClaimGrantedAsync(taskId, Guid.NewGuid(), "doomed-worker", TimeSpan.FromSeconds(1));
        }
        finally
        {
            await workers.StartAsync();
        }

        var finished = await fixture.Api.WaitForFinalAsync(job.Id, TimeSpan.FromSeconds(60));

        Assert.Equal(JobStatus.Completed, finished.Status);
        var task = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{taskId}", JobsClient.Json))!;
        Assert.Equal(["lost", "succeeded"], task.Attempts!.Select(a => a.Outcome));
        await fixture.AssertJobInvariantsAsync(job.Id);
        Assert.Equal("doomed-worker", task.Attempts![0].WorkerId);
        Assert.StartsWith("worker-", task.WorkerId);
    }

    [Fact]
    public async Task MessagesLostInAnEmulatorRestart_AreSentAgain_AndTheJobCompletes()
    {
        var workers = fixture.WorkerPools;
        var sqs = fixture.App.GetResource("sqs");
        await workers.StopAsync();
        JobResponse job;
        try
        {
            job = await fixture.Api.SubmitAsync(new { name = "emulator-restart", type = "noop", taskCount = 20 });
            // With no worker alive the relay sends the tenant's fair share and keeps the rest in the
            // outbox; the test graph's emulator keeps messages in memory only, so a restart loses
            // every message sent. Those tasks stay enqueued until the reconciler sends them again.
            await fixture.Api.WaitForJobAsync(job.Id, j => j.Counts.Enqueued > 0);
            await sqs.StopAsync();
            await sqs.StartAsync();
        }
        finally
        {
            await workers.StartAsync();
        }

        var finished = await fixture.Api.WaitForFinalAsync(job.Id, TimeSpan.FromSeconds(60));
        Assert.Equal(JobStatus.Completed, finished.Status);
        Assert.Equal(20, finished.Counts.Succeeded);
        var attempts = await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job", ("job", job.Id));
        Assert.Equal(20, attempts);
        await fixture.AssertJobInvariantsAsync(job.Id);
    }
}
