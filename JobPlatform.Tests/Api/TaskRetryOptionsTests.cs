using JobPlatform.Api.Services;

namespace JobPlatform.Tests.Api;

public sealed class TaskRetryOptionsTests
{
    [Theory]
    [InlineData(1, 500, 1_000)]
    [InlineData(2, 1_000, 2_000)]
    [InlineData(3, 2_000, 4_000)]
    [InlineData(30, 150_000, 300_000)]
    public void DelayAfter_GrowsExponentially_WithJitter_UpToTheCap(int attempt, double minMs, double maxMs)
    {
        var options = new TaskRetryOptions { BaseDelay = TimeSpan.FromSeconds(1), Factor = 2, MaxDelay = TimeSpan.FromMinutes(5) };
        var random = new Random(7);
        var delays = Enumerable.Range(0, 200).Select(_ => options.DelayAfter(attempt, backoff: null, random).TotalMilliseconds).ToList();

        Assert.All(delays, d => Assert.InRange(d, minMs, maxMs));
        Assert.True(delays.Distinct().Count() > 100, "jitter should spread the delays");
    }

    [Theory]
    [InlineData(1, 2_000, 4_000)]
    [InlineData(2, 6_000, 12_000)]
    [InlineData(3, 15_000, 30_000)]
    public void AJobsBackoff_OverridesTheOptions_FieldByField(int attempt, double minMs, double maxMs)
    {
        // The job sets the first wait (4 s) and the cap (30 s); the factor stays the options' (3).
        var options = new TaskRetryOptions { BaseDelay = TimeSpan.FromSeconds(1), Factor = 3, MaxDelay = TimeSpan.FromMinutes(5) };
        var backoff = new JobPlatform.Contracts.RetryBackoff(InitialDelaySeconds: 4, MaxDelaySeconds: 30);
        var random = new Random(7);
        var delays = Enumerable.Range(0, 200).Select(_ => options.DelayAfter(attempt, backoff, random).TotalMilliseconds).ToList();

        Assert.All(delays, d => Assert.InRange(d, minMs, maxMs));
    }

    [Fact]
    public void ABackoff_OverAnother_TakesEachFieldItLeavesOut_AndNamesWhatIsOutOfRange()
    {
        var type = new JobPlatform.Contracts.RetryBackoff(InitialDelaySeconds: 5, Factor: 3);
        Assert.Equal(new JobPlatform.Contracts.RetryBackoff(1, 3, 60), new JobPlatform.Contracts.RetryBackoff(InitialDelaySeconds: 1, MaxDelaySeconds: 60).Over(type));
        Assert.Null(new JobPlatform.Contracts.RetryBackoff().Over(null));
        Assert.Equal(
            ["b.initialDelaySeconds", "b.factor", "b.maxDelaySeconds"],
            new JobPlatform.Contracts.RetryBackoff(-1, 0.5, 100_000).Problems("b").Select(p => p.Field));
        Assert.Equal("b.maxDelaySeconds", Assert.Single(new JobPlatform.Contracts.RetryBackoff(10, 2, 5).Problems("b")).Field);
    }
}
