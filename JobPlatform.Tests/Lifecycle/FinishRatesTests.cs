using JobPlatform.Api.Lifecycle;

namespace JobPlatform.Tests.Lifecycle;

/// <summary>How the relay reads each tenant's recent finishes from its passes (pure logic).</summary>
public sealed class FinishRatesTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(500);

    [Fact]
    public void ATenantSeenForTheFirstTime_HasNoAllowance()
    {
        var rates = new FinishRates(Window);
        Assert.Equal(0, rates.Observe("a", inFlight: 40, Ms(0)));
    }

    [Fact]
    public void WhatWasInFlightOrSent_AndIsNoLonger_Finished()
    {
        var rates = new FinishRates(Window);
        rates.Observe("a", inFlight: 40, Ms(0));
        rates.Sent("a", 60);
        // 40 + 60 were in flight; 30 are: 70 finished, at once.
        Assert.Equal(70, rates.Observe("a", inFlight: 30, Ms(0)));
    }

    [Fact]
    public void ASteadyRate_GivesAboutAWindowOfIt()
    {
        var rates = new FinishRates(Window);
        long allowance = 0;
        rates.Observe("a", inFlight: 100, Ms(0));
        // 1,000 tasks a second, seen every 10 ms: 10 finish and 10 are sent each pass.
        for (var pass = 1; pass <= 300; pass++)
        {
            allowance = rates.Observe("a", inFlight: 100, Ms(pass * 10));
            rates.Sent("a", 10);
            if (pass == 1)
            {
                Assert.Equal(0, allowance);
            }
        }
        Assert.InRange(allowance, 450, 510);
    }

    [Fact]
    public void TasksThatDoNotFinish_EarnNothing_AndAnOldRateFades()
    {
        var rates = new FinishRates(Window);
        rates.Observe("a", inFlight: 0, Ms(0));
        rates.Sent("a", 200);
        Assert.Equal(0, rates.Observe("a", inFlight: 200, Ms(1_000)));

        rates.Observe("b", inFlight: 100, Ms(0));
        Assert.Equal(100, rates.Observe("b", inFlight: 0, Ms(100)));
        // Its long tasks never finish: five windows later the allowance is gone.
        rates.Sent("b", 40);
        Assert.Equal(0, rates.Observe("b", inFlight: 40, Ms(2_600)));
    }

    [Fact]
    public void AForgottenTenant_StartsAgainFromNothing()
    {
        var rates = new FinishRates(Window);
        rates.Observe("a", inFlight: 100, Ms(0));
        rates.Observe("b", inFlight: 5, Ms(0));
        rates.Keep(new HashSet<string> { "b" });
        Assert.Equal(0, rates.Observe("a", inFlight: 0, Ms(10)));
        Assert.Equal(5, rates.Observe("b", inFlight: 0, Ms(10)));
    }

    [Fact]
    public void MoreInFlightThanBefore_IsNotANegativeFinish()
    {
        // Another replica's relay sent these: this one did not see them go.
        var rates = new FinishRates(Window);
        rates.Observe("a", inFlight: 10, Ms(0));
        Assert.Equal(0, rates.Observe("a", inFlight: 50, Ms(10)));
    }

    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);
}
