namespace JobPlatform.Worker.Sdk.Pipeline;

/// <summary>
/// The task slots one receive holds: taken before asking SQS for that many messages, and handed back
/// as it turns out fewer are needed. It never gives back more than it took.
/// </summary>
internal sealed class SlotLease
{
    private readonly SemaphoreSlim _slots;

    private SlotLease(SemaphoreSlim slots, int count)
    {
        _slots = slots;
        Count = count;
    }

    /// <summary>Slots held now.</summary>
    public int Count { get; private set; }

    /// <summary>Waits for one free slot, then takes up to <paramref name="most"/> in all of those free now.</summary>
    public static async Task<SlotLease> TakeAsync(SemaphoreSlim slots, int most, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(most, 1);
        await slots.WaitAsync(ct);
        var count = 1;
        while (count < most && slots.Wait(0))
        {
            count++;
        }
        return new SlotLease(slots, count);
    }

    /// <summary>
    /// Takes more slots as they free up, until it holds <paramref name="most"/> or
    /// <paramref name="linger"/> has passed. Returns at once when it already holds that many.
    /// </summary>
    public async Task GrowAsync(int most, TimeSpan linger, TimeProvider clock, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        while (Count < most)
        {
            var left = linger - clock.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || !await _slots.WaitAsync(left, ct))
            {
                return;
            }
            Count++;
            while (Count < most && _slots.Wait(0))
            {
                Count++;
            }
        }
    }

    /// <summary>Keeps at most <paramref name="keep"/> slots and gives the rest back.</summary>
    public void KeepAtMost(int keep)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keep);
        if (Count > keep)
        {
            _slots.Release(Count - keep);
            Count = keep;
        }
    }
}
