using JobPlatform.Bench;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Bench;

/// <summary>
/// The benchmark's every scenario with a few hundred tasks, so it keeps working. It measures
/// nothing here: figures come from a Release run on a quiet machine (docs/benchmarks.md).
/// </summary>
[Collection(GraphCollection.Name)] // Its own graph, but not beside the suite's: they would slow each other.
public sealed class BenchmarkSmokeTests
{
    [Fact]
    public async Task SmokeRun_GoesThroughEveryScenario_AndPrintsATable()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var progress = new StringWriter();
        var runner = new BenchmarkRunner(BenchOptions.Smoke, progress);

        var table = await runner.RunAsync(timeout.Token);

        string[] sections = ["End to end", "Memory", "Pruning", "Scaling", "Schedules", "Start latency", "Submission", "Telemetry"];
        Assert.Equal(sections, runner.Rows.Select(r => r.Section).Distinct().Order());
        Assert.Contains(runner.Rows, r => r.Figure.StartsWith("ratio JobPlatform / Hangfire", StringComparison.Ordinal) && r.Value.EndsWith('x'));
        Assert.Contains(runner.Rows, r => r.Figure.StartsWith("throughput with export / without", StringComparison.Ordinal) && r.Value.EndsWith('%'));
        Assert.Contains(runner.Rows, r => r.Figure.StartsWith("CPU seconds per 1,000 one-task jobs", StringComparison.Ordinal) && r.Value.EndsWith(" s", StringComparison.Ordinal));
        Assert.All(runner.Rows, r => Assert.Matches(@"\d", r.Value));
        Assert.Contains("| scenario | figure | value |", table);
        Assert.Contains($"{Environment.ProcessorCount} cores", table);
    }
}
