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
        var delays = Enumerable.Range(0, 200).Select(_ => options.DelayAfter(attempt, random).TotalMilliseconds).ToList();

        Assert.All(delays, d => Assert.InRange(d, minMs, maxMs));
        Assert.True(delays.Distinct().Count() > 100, "jitter should spread the delays");
    }
}
