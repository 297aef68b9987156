namespace JobPlatform.Worker.Sdk;

/// <summary>
/// Counts the attempts this replica finished over the last minute, in one-second buckets, so the
/// count costs the same at ten tasks a second as at ten thousand.
/// </summary>
internal sealed class WorkerActivity(TimeProvider clock)
{
    private const int WindowSeconds = 60;

    private readonly long[] _seconds = new long[WindowSeconds];
    private readonly int[] _counts = new int[WindowSeconds];
    private readonly Lock _lock = new();

    /// <summary>When this replica started.</summary>
    public DateTimeOffset StartedAt { get; } = clock.GetUtcNow();

    public void RecordFinished()
    {
        var second = clock.GetUtcNow().ToUnixTimeSeconds();
        var slot = (int)(second % WindowSeconds);
        lock (_lock)
        {
            if (_seconds[slot] != second)
            {
                _seconds[slot] = second;
                _counts[slot] = 0;
            }
            _counts[slot]++;
        }
    }

    /// <summary>Attempts finished in the 60 seconds up to now.</summary>
    public int FinishedLastMinute()
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var total = 0;
        lock (_lock)
        {
            for (var i = 0; i < WindowSeconds; i++)
            {
                if (now - _seconds[i] < WindowSeconds)
                {
                    total += _counts[i];
                }
            }
        }
        return total;
    }
}
