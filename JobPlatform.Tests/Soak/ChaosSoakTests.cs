using JobPlatform.Bench.Soak;
using JobPlatform.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobPlatform.Tests.Soak;

/// <summary>
/// The chaos soak's short form (<see cref="SoakOptions.Short"/>, two minutes) on the suite's graph:
/// three tenants at their rate limits, every fault kind injected in turn. The long form is the
/// benchmark's <c>soak</c> command (docs/reliability.md).
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class ChaosSoakTests(JobPlatformFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task TwoMinutesOfLoadUnderRandomFaults_LoseNoTask_AndEveryJobEndsFinal_WithItsInvariants()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(12));
        var progress = new StringWriter();

        SoakReport report;
        try
        {
            report = await new SoakRunner(SoakOptions.Short, progress).RunAsync(fixture.App, timeout.Token);
        }
        finally
        {
            output.WriteLine(progress.ToString());
        }
        output.WriteLine(report.Render());

        Assert.True(report.Passed, $"the soak failed:\n{report.Render()}\n{fixture.RecentLog(200)}");
        Assert.Equal(0, report.LostTasks);
        Assert.Equal(0, report.Audit.UnfinishedJobs);
        Assert.Equal(0, report.Audit.InvariantViolations);
        Assert.Equal(0, report.IdempotencyViolations);
        // Every kind came at least once: the faults are dealt from a shuffled deck.
        Assert.Equal(SoakOptions.Short.Faults.Order(), report.Faults.Select(f => f.Kind).Distinct().Order());
        Assert.True(report.AcknowledgedJobs.Count > 50, $"only {report.AcknowledgedJobs.Count} jobs were submitted");
        Assert.True(report.Replays > 0 && report.StreamsOpened > 0, $"{report.Replays} replays, {report.StreamsOpened} streams");
        // The suite's own per-job check, on every job the soak made.
        foreach (var job in report.AcknowledgedJobs)
        {
            await fixture.AssertJobInvariantsAsync(job);
        }
    }
}
