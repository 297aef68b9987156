using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Worker;

/// <summary>
/// Workers keep receiving for as long as they run, idle or nearly full (every slot but one busy while
/// the queues are empty), and start work of any priority at once.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class ReceiveLoopTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task Workers_IdleOrNearlyFull_KeepReceiving_WithoutRestarting_AndTakeEveryPriority()
    {
        var replicas = fixture.App.GetResource("worker").Replicas;
        var before = replicas.Select(r => (r.Name, r.Restarts, r.ProcessId)).ToList();

        // Several rounds of empty long polls (the test graph polls for 1 s at a time).
        await Task.Delay(TimeSpan.FromSeconds(3));
        // Nearly full: all but a few of the graph's 2 x 16 slots busy for seconds, with nothing left to receive.
        var busy = await fixture.Api.SubmitAsync(new { name = "nearly-full", type = "sleep", taskCount = 29, parameters = new { ms = 3_000 } });
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(busy.Id, TimeSpan.FromSeconds(60))).Status);
        foreach (var priority in JobPriority.All)
        {
            var job = await fixture.Api.SubmitAsync(new { name = $"idle-{priority}", type = "noop", taskCount = 3, priority });
            Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id, TimeSpan.FromSeconds(30))).Status);
        }

        var after = fixture.App.GetResource("worker").Replicas.Select(r => (r.Name, r.Restarts, r.ProcessId)).ToList();
        Assert.True(before.SequenceEqual(after), $"worker replicas restarted while idle: before {string.Join(", ", before)}; after {string.Join(", ", after)}\n{fixture.RecentLog(40)}");
    }
}
