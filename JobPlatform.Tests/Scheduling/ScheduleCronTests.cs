using JobPlatform.Api.Scheduling;
using JobPlatform.Contracts;

namespace JobPlatform.Tests.Scheduling;

/// <summary>Reading cron expressions and time zones, and planning a look at a due schedule: pure logic, no graph.</summary>
public sealed class ScheduleCronTests
{
    private static readonly DateTimeOffset Noon = new(2026, 6, 6, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("*/5 * * * *", 300)]
    [InlineData("*/10 * * * * *", 10)]
    [InlineData("@hourly", 3600)]
    public void FiveOrSixFieldsOrAMacro_AreRead(string cron, int secondsApart)
    {
        var parsed = Parse(cron, "UTC");
        var next = parsed.Next(Noon, 3);
        Assert.Equal(3, next.Count);
        Assert.Equal(TimeSpan.FromSeconds(secondsApart), next[1] - next[0]);
        Assert.Equal(next[0], parsed.NextAfter(Noon));
    }

    [Theory]
    [InlineData(null, "UTC", "cron")]
    [InlineData("* * * *", "UTC", "cron")]
    [InlineData("* * * * * * *", "UTC", "cron")]
    [InlineData("0 25 * * *", "UTC", "cron")]
    [InlineData("* * * * *", "Mars/Olympus", "timeZone")]
    public void ABadExpressionOrZone_NamesItsField(string? cron, string zone, string field)
    {
        var errors = new Dictionary<string, string[]>();
        Assert.Null(ScheduleCron.Parse(cron, zone, errors));
        Assert.True(errors.ContainsKey(field), string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
    }

    [Fact]
    public void NextFireTimes_CarryTheZonesOffset()
    {
        var times = Parse("0 9 * * *", "America/New_York").Next(Noon, 2);
        Assert.All(times, time => Assert.Equal((9, TimeSpan.FromHours(-4)), (time.Hour, time.Offset)));
    }

    [Fact]
    public void Plan_FiresWhatIsOnTime_AndCountsWhatWasMissed()
    {
        var cron = Parse("* * * * * *", "UTC");
        // Looked at 90 s after it was due: the first 30 fire times are more than a minute old.
        var plan = cron.Plan(Noon, Noon.AddSeconds(90), CatchUpPolicies.Skip);

        var missed = plan.Firings[0];
        Assert.True(missed.Skipped);
        Assert.Equal(Noon.AddSeconds(29), missed.FireTime);
        Assert.StartsWith("30 fire times missed", missed.Reason);
        Assert.Equal(61, plan.Firings.Count(f => !f.Skipped));
        Assert.Equal(Noon.AddSeconds(91), plan.NextFireAt);
    }

    [Fact]
    public void Plan_WithCatchUpOnce_FiresOnceForAllThatWasMissed()
    {
        var plan = Parse("0 * * * *", "UTC").Plan(Noon, Noon.AddHours(5).AddMinutes(30), CatchUpPolicies.Once);

        var firing = Assert.Single(plan.Firings);
        Assert.False(firing.Skipped);
        Assert.Equal(Noon.AddHours(5), firing.FireTime);
        Assert.Contains("6 fire times missed", firing.Reason);
        Assert.Equal(Noon.AddHours(6), plan.NextFireAt);
    }

    private static ScheduleCron Parse(string cron, string zone)
    {
        var errors = new Dictionary<string, string[]>();
        return ScheduleCron.Parse(cron, zone, errors) ?? throw new InvalidOperationException(string.Join("; ", errors.Values.SelectMany(e => e)));
    }
}
