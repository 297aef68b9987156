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
            state => state.Restarts == restarts + 1 && state.ProcessId is not null && state.ProcessId != pid,
            TimeSpan.FromSeconds(30), state => $"restarts {state.Restarts}, pid {state.ProcessId}");
        Assert.Contains(fixture.RecentLog(400).Split('\n'), line => line.Contains($"{replica.Name}: exited with code") && line.Contains("restarting in"));

        var job = await fixture.Api.SubmitAsync(new { type = "noop", taskCount = 60 });
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);
    }
}
