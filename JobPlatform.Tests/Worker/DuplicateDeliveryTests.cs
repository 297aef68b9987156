using Amazon.SQS.Model;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Worker;

[Collection(GraphCollection.Name)]
public sealed class DuplicateDeliveryTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task TheSameTaskMessageDeliveredTwice_RunsOnce()
    {
        var workers = fixture.WorkerPools;
        await workers.StopAsync();
        JobResponse job;
        try
        {
            // Put a second copy of each task message sent on the queue, as an at-least-once send can.
            // With no worker alive the relay sends the tenant's fair share; the rest follow later.
            job = await fixture.Api.SubmitAsync(new { name = "duplicated", type = "sleep", taskCount = 5, parameters = new { ms = 100 } });
            var sent = (await fixture.Api.WaitForJobAsync(job.Id, j => j.Counts.Enqueued > 0)).Counts.Enqueued;
            using var sqs = fixture.CreateSqsClient();
            var queueUrl = (await sqs.GetQueueUrlAsync("jobplatform-tasks")).QueueUrl;
            var seen = new List<Message>();
            await Eventually.Until(async () =>
            {
                var batch = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1, VisibilityTimeout = 30 });
                seen.AddRange(batch.Messages ?? []);
                return seen.Count;
            }, count => count >= sent, TimeSpan.FromSeconds(20), count => $"{count} of {sent} messages received");
            foreach (var message in seen)
            {
                await sqs.SendMessageAsync(queueUrl, message.Body);
                await sqs.ChangeMessageVisibilityAsync(queueUrl, message.ReceiptHandle, 0);
            }
        }
        finally
        {
            await workers.StartAsync();
        }

        var finished = await fixture.Api.WaitForFinalAsync(job.Id);
        Assert.Equal(JobStatus.Completed, finished.Status);
        Assert.Equal(5, await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job", ("job", job.Id)));
        await fixture.AssertJobInvariantsAsync(job.Id);
    }
}
