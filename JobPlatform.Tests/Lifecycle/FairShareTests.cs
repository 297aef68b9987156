using JobPlatform.Api.Lifecycle;

namespace JobPlatform.Tests.Lifecycle;

/// <summary>The rule that shares the fleet's slots between tenants (pure logic).</summary>
public sealed class FairShareTests
{
    [Theory]
    [InlineData(48, 0.1, 43)]
    [InlineData(32, 0.1, 28)]
    [InlineData(16, 0.0, 15)]
    [InlineData(1, 0.1, 0)]
    [InlineData(0, 0.1, 0)]
    [InlineData(1000, 0.25, 750)]
    public void Budget_IsTheFleetLessItsReserve_OfAtLeastOneSlot(long fleet, double reserve, long budget) =>
        Assert.Equal(budget, FairShare.Budget(fleet, reserve));

    [Fact]
    public void ATenantWantingLess_GetsWhatItWants_AndTheRestGoesToTheOthers()
    {
        var shares = FairShare.Allocate(43, [("a", 20_000), ("b", 20)]);
        Assert.Equal(20, shares["b"]);
        Assert.Equal(23, shares["a"]);
    }

    [Fact]
    public void TenantsWantingMore_ShareEqually_AndUseTheWholeBudget()
    {
        var shares = FairShare.Allocate(43, [("a", 20_000), ("b", 5_000), ("c", 100)]);
        Assert.Equal(43, shares.Values.Sum());
        Assert.InRange(shares.Values.Max() - shares.Values.Min(), 0, 1);
    }

    [Fact]
    public void ATenantAlone_GetsTheBudget_WithinWhatItWants()
    {
        Assert.Equal(43, FairShare.Allocate(43, [("a", 100)])["a"]);
        Assert.Equal(7, FairShare.Allocate(43, [("a", 7)])["a"]);
    }

    [Fact]
    public void EveryTenantWithWork_GetsOne_EvenWithNoFleet()
    {
        var shares = FairShare.Allocate(0, [("a", 5), ("b", 3), ("idle", 0)]);
        Assert.Equal(1, shares["a"]);
        Assert.Equal(1, shares["b"]);
        Assert.False(shares.ContainsKey("idle"));
    }

    [Fact]
    public void Shares_NeverExceedTheBudget_OrWhatATenantWants()
    {
        var random = new Random(7);
        for (var round = 0; round < 1_000; round++)
        {
            var budget = random.Next(0, 200);
            var demands = Enumerable.Range(0, random.Next(1, 12)).Select(i => ($"t{i}", (long)random.Next(0, 300))).ToList();
            var shares = FairShare.Allocate(budget, demands);
            var wanting = demands.Count(d => d.Item2 > 0);
            Assert.True(shares.Values.Sum() <= Math.Max(budget, wanting), $"budget {budget}: {string.Join(", ", shares)}");
            foreach (var (tenant, demand) in demands.Where(d => d.Item2 > 0))
            {
                Assert.InRange(shares[tenant], 1, demand);
            }
            // Max-min fair: a tenant below another's share got all it wanted.
            foreach (var (tenant, demand) in demands.Where(d => d.Item2 > 0))
            {
                Assert.True(shares[tenant] == demand || shares[tenant] + 1 >= shares.Values.Max(), $"budget {budget}: {tenant} got {shares[tenant]} of {demand} while another got {shares.Values.Max()}");
            }
        }
    }

    [Fact]
    public void AQueue_IsSentOnlyTheTypesEveryLiveWorkerOnItRuns_AndSharesOnlyItsOwnWorkersSlots()
    {
        var fleet = LiveFleet.Of(
        [
            (16, ["default"], ["noop", "sleep"]),
            (16, ["default"], ["noop"]),
            (8, ["text"], ["word-count"]),
            (4, ["text", "images"], ["word-count", "resize"]),
        ], reservedShare: 0.1);

        Assert.Equal(["default/noop", "images/resize", "images/word-count", "text/word-count"], fleet.Routes!.Order());
        Assert.Equal(FairShare.Budget(32, 0.1), fleet.BudgetOf("default"));
        Assert.Equal(FairShare.Budget(12, 0.1), fleet.BudgetOf("text"));
        Assert.Equal(0, fleet.BudgetOf("nowhere"));
    }

    [Fact]
    public void AWorkerThatNamesNoQueue_ServesDefault_OneThatNamesNoTypes_RunsThemAll_AndEveryTypeGoes_WhileNoWorkerIsLive()
    {
        Assert.Equal(["default/noop"], LiveFleet.Of([(4, [], ["noop"])], 0.1).Routes!);
        Assert.Null(LiveFleet.Of([], 0.1).Routes);
        Assert.Equal(["default/noop", "text/*"], LiveFleet.Of([(4, ["default"], ["noop"]), (4, ["text"], [])], 0.1).Routes!.Order());
        Assert.Equal(["default/noop"], LiveFleet.Of([(4, ["default"], ["noop"]), (4, ["default"], [])], 0.1).Routes!);
    }
}
