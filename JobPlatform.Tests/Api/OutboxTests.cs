using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

[Collection(GraphCollection.Name)]
public sealed class OutboxTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task TasksCommittedWhileTheQueueIsDown_AreDeliveredWhenItIsBack()
    {
        var sqs = fixture.App.GetResource("sqs");
        await sqs.StopAsync();
        JobResponse submitted;
        try
        {
            submitted = await fixture.Api.SubmitAsync(new { name = "outbox-while-down", type = "noop", taskCount = 40 });

            // The job and its tasks are safe in PostgreSQL, waiting in the outbox.
            var waiting = await fixture.QueryScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE job_id = @job", ("job", submitted.Id));
            Assert.Equal(40, waiting);
            Assert.Equal(40, (await fixture.Api.GetJobAsync(submitted.Id)).Counts.Pending);
        }
        finally
        {
            await sqs.StartAsync();
        }

        var job = await fixture.Api.WaitForFinalAsync(submitted.Id, TimeSpan.FromSeconds(120));
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(40, job.Counts.Succeeded);
        Assert.Equal(0, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE job_id = @job", ("job", submitted.Id)));
    }
}
