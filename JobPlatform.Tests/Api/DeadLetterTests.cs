using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

[Collection(GraphCollection.Name)]
public sealed class DeadLetterTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task MalformedMessage_EndsRecordedAsADeadLetter_WhileOtherTasksKeepFlowing()
    {
        using var sqs = fixture.CreateSqsClient();
        var body = $"not json {Guid.NewGuid()}";
        await sqs.SendMessageAsync((await sqs.GetQueueUrlAsync("jobplatform-tasks")).QueueUrl, body);
        var job = await fixture.Api.SubmitAsync(new { type = "noop", taskCount = 30 });

        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);
        var recorded = await Eventually.Until(
            () => fixture.QueryScalarAsync<long>("SELECT count(*) FROM dead_letters WHERE body = @body AND task_id IS NULL", ("body", body)),
            count => count > 0, TimeSpan.FromSeconds(60), count => $"{count} records");
        Assert.Equal(1, recorded);
        Assert.All(fixture.App.GetResource("worker").Replicas, replica => Assert.Equal(0, replica.Restarts));
    }

    [Fact]
    public async Task TaskWhoseMessageWasDeadLettered_IsMarkedSo_FailsItsJob_AndCanBeRetried()
    {
        var workers = fixture.WorkerPools;
        using var sqs = fixture.CreateSqsClient();
        await workers.StopAsync();
        JobResponse job;
        Guid taskId;
        try
        {
            // Stand in for SQS's redrive of a task that crashes its worker: an attempt claimed it and
            // never reported, and its message goes to the dead-letter queue.
            job = await fixture.Api.SubmitAsync(new { name = "dead-lettered", type = "noop", taskCount = 1 });
            taskId = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{job.Id}/tasks", JobsClient.Json))!.Items[0].Id;
            await fixture.TakeTaskMessagesAsync();
            await fixture.WorkerApi.ClaimGrantedAsync(taskId, Guid.NewGuid(), "crashing-worker", TimeSpan.FromMinutes(5));
            await SendToTheDeadLetterQueueAsync(sqs, job.Id, taskId);

            var failed = await fixture.Api.WaitForFinalAsync(job.Id, TimeSpan.FromSeconds(60));
            Assert.Equal(JobStatus.Failed, failed.Status);
            Assert.Equal(1, failed.Counts.DeadLettered);
            var task = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{taskId}", JobsClient.Json))!;
            Assert.Equal(JobTaskStatus.DeadLettered, task.Status);
            Assert.Contains("too many times", task.Error);
        }
        finally
        {
            await workers.StartAsync();
        }

        using var retry = await fixture.Api.PostAsync($"/api/v1/tasks/{taskId}/retry", null);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var done = await fixture.Api.WaitForFinalAsync(job.Id);
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Equal(1, done.Counts.Succeeded);
        await fixture.AssertJobInvariantsAsync(job.Id);
    }

    /// <summary>
    /// A message SQS gave up on while no attempt ran (every claim failed, say while PostgreSQL was
    /// down) does not dead-letter its task: the task is sent again and runs once.
    /// </summary>
    [Fact]
    public async Task DeadLetter_OfATaskNoAttemptRan_SendsItAgain_AndItRunsOnce()
    {
        var workers = fixture.WorkerPools;
        using var sqs = fixture.CreateSqsClient();
        await workers.StopAsync();
        JobResponse job;
        Guid taskId;
        try
        {
            job = await fixture.Api.SubmitAsync(new { name = "never-claimed", type = "noop", taskCount = 1 });
            taskId = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{job.Id}/tasks", JobsClient.Json))!.Items[0].Id;
            await fixture.TakeTaskMessagesAsync();
            await SendToTheDeadLetterQueueAsync(sqs, job.Id, taskId);
            await Eventually.Until(
                () => fixture.QueryScalarAsync<long>("SELECT count(*) FROM dead_letters WHERE task_id = @task", ("task", taskId)),
                count => count == 1, TimeSpan.FromSeconds(30), count => $"{count} dead letters recorded");
        }
        finally
        {
            await workers.StartAsync();
        }

        var done = await fixture.Api.WaitForFinalAsync(job.Id);
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Equal(0, done.Counts.DeadLettered);
        var task = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{taskId}", JobsClient.Json))!;
        Assert.Equal(["succeeded"], task.Attempts!.Select(a => a.Outcome));
        // Either the drainer sent the task again, or, on a slow machine, the reconciler got there first
        // (the queue was empty and the task queued for LostMessageAfter) and the drainer left it to that
        // message. Both leave one message and one attempt; neither dead-letters the task.
        var reason = await fixture.QueryScalarAsync<string>("SELECT reason FROM dead_letters WHERE task_id = @task", ("task", taskId));
        Assert.Contains(reason, new[] { JobPlatform.Api.Lifecycle.DeadLetters.ResentReason, JobPlatform.Api.Services.DeadLetterDrainer.LeftAloneReason });
        await fixture.AssertJobInvariantsAsync(job.Id);
    }

    // SQS's redrive, played in two steps: the task's message leaves the main queue
    // (fixture.TakeTaskMessagesAsync), then a copy arrives on the dead-letter queue.
    private static async Task SendToTheDeadLetterQueueAsync(Amazon.SQS.AmazonSQSClient sqs, Guid jobId, Guid taskId) =>
        await sqs.SendMessageAsync((await sqs.GetQueueUrlAsync("jobplatform-tasks-dlq")).QueueUrl,
            JsonSerializer.Serialize(new TaskMessage(taskId, jobId), JobsClient.Json));
}
