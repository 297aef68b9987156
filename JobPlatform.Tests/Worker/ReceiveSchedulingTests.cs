using JobPlatform.Contracts;
using JobPlatform.Worker.Sdk;
using JobPlatform.Worker.Sdk.Pipeline;

namespace JobPlatform.Tests.Worker;

/// <summary>The pure parts of receiving: how slots are held and handed back, and the order queues are looked at.</summary>
public sealed class ReceiveSchedulingTests
{
    [Fact]
    public async Task SlotLease_TakesWhatIsFree_UpToItsBatch()
    {
        using var slots = new SemaphoreSlim(16);
        var first = await SlotLease.TakeAsync(slots, most: 10, CancellationToken.None);
        var second = await SlotLease.TakeAsync(slots, most: 10, CancellationToken.None);
        Assert.Equal((10, 6, 0), (first.Count, second.Count, slots.CurrentCount));
    }

    [Theory]
    [InlineData(1, 1, 1, 0)]   // one slot kept for a long poll: nothing to give back
    [InlineData(1, 0, 0, 1)]
    [InlineData(10, 1, 1, 9)]
    [InlineData(10, 3, 3, 7)]
    [InlineData(3, 10, 3, 0)]  // more messages than slots cannot happen; never more kept than taken
    public async Task SlotLease_KeepAtMost_GivesBackOnlyTheRest(int taken, int keep, int kept, int givenBack)
    {
        using var slots = new SemaphoreSlim(taken);
        var lease = await SlotLease.TakeAsync(slots, most: taken, CancellationToken.None);
        lease.KeepAtMost(keep);
        Assert.Equal((kept, givenBack), (lease.Count, slots.CurrentCount));
        lease.KeepAtMost(0);
        Assert.Equal((0, taken), (lease.Count, slots.CurrentCount));
    }

    [Fact]
    public async Task SlotLease_WaitsForAFreeSlot()
    {
        using var slots = new SemaphoreSlim(0);
        var waiting = SlotLease.TakeAsync(slots, most: 10, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        slots.Release();
        Assert.Equal(1, (await waiting).Count);
        Assert.Equal(0, slots.CurrentCount);
    }

    [Fact]
    public async Task SlotLease_Grow_TakesSlotsAsTheyFree_UpToItsBatch()
    {
        using var slots = new SemaphoreSlim(1);
        var lease = await SlotLease.TakeAsync(slots, most: 10, CancellationToken.None);
        // A long linger: the lease stops growing because it is full, not because time ran out.
        var growing = lease.GrowAsync(4, TimeSpan.FromMinutes(1), TimeProvider.System, CancellationToken.None);
        Assert.False(growing.IsCompleted);
        slots.Release(5);
        await growing;
        Assert.Equal((4, 2), (lease.Count, slots.CurrentCount));
    }

    [Fact]
    public async Task SlotLease_Grow_KeepsWhatItHas_WhenNothingFreesInTime()
    {
        using var slots = new SemaphoreSlim(2, 16);
        var lease = await SlotLease.TakeAsync(slots, most: 10, CancellationToken.None);
        await lease.GrowAsync(10, TimeSpan.FromMilliseconds(20), TimeProvider.System, CancellationToken.None);
        Assert.Equal((2, 0), (lease.Count, slots.CurrentCount));
    }

    [Fact]
    public void PriorityOrder_LooksAtEveryQueue_MostUrgentFirst_WithTurnsForTheOthers()
    {
        var orders = Enumerable.Range(1, 16).Select(i => PriorityOrder.For(i)).ToList();
        Assert.All(orders, order => Assert.Equal([0, 1, 2, 3], order.Order()));
        var firsts = orders.Select(o => o[0]).ToList();
        Assert.Equal(12, firsts.Count(q => q == 0));
        Assert.Equal(2, firsts.Count(q => q == 1));
        Assert.Equal(1, firsts.Count(q => q == 2));
        Assert.Equal(1, firsts.Count(q => q == 3));
        // After its own turn, a queue is looked at in priority order.
        Assert.Equal([3, 0, 1, 2], PriorityOrder.For(16));
        Assert.Equal([0, 1, 2, 3], PriorityOrder.For(1));
    }
}
