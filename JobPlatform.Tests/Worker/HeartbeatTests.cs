using Amazon.SQS;
using Amazon.SQS.Model;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Worker;

[Collection(GraphCollection.Name)]
public sealed class HeartbeatTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task TaskRunningThreeTimesLongerThanTheVisibilityTimeout_KeepsItsMessage_AndRunsOnce()
    {
        var visibility = JobPlatformFixture.VisibilityTimeout;
        var submitted = await fixture.Api.SubmitAsync(new { name = "long-task", type = "sleep", taskCount = 1, parameters = new { ms = (int)(visibility * 3).TotalMilliseconds } });
        await fixture.Api.WaitForJobAsync(submitted.Id, job => job.Counts.Running == 1);

        // Two visibility timeouts into the run, the message must still be in flight (hidden, not
        // redelivered and not dropped) and the task still on its first attempt.
        await Task.Delay(visibility * 2);
        using var sqs = fixture.CreateSqsClient();
        var queueUrl = (await sqs.GetQueueUrlAsync("jobplatform-tasks")).QueueUrl;
        var attributes = (await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
        {
            QueueUrl = queueUrl,
            AttributeNames = [QueueAttributeName.ApproximateNumberOfMessagesNotVisible, QueueAttributeName.ApproximateNumberOfMessages],
        })).Attributes;
        Assert.Equal("1", attributes[QueueAttributeName.ApproximateNumberOfMessagesNotVisible]);
        Assert.Equal("0", attributes[QueueAttributeName.ApproximateNumberOfMessages]);
        var running = await fixture.Api.GetJobAsync(submitted.Id);
        Assert.Equal(1, running.Counts.Running);

        var job = await fixture.Api.WaitForFinalAsync(submitted.Id);

        Assert.Equal(JobStatus.Completed, job.Status);
        var attempts = await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job", ("job", job.Id));
        Assert.Equal(1, attempts);
        await fixture.AssertJobInvariantsAsync(job.Id);
    }
}
