namespace JobPlatform.Worker.Pipeline;

/// <summary>
/// The order in which one receive looks at the task queues (0 = critical, 1 = high, 2 = normal,
/// 3 = low). Of every 16 receives, 12 go most urgent first and 2 start at high, 1 at normal and 1 at
/// low, so while higher priorities keep the workers busy, each lower one still gets its turns and
/// never starves.
/// </summary>
public sealed class PriorityOrder
{
    private static readonly int Queues = JobPlatform.Contracts.JobPriority.All.Count;
    private long _receives;

    public IReadOnlyList<int> Next() => For(Interlocked.Increment(ref _receives));

    /// <summary>The order for the <paramref name="receive"/>-th receive (from 1).</summary>
    public static IReadOnlyList<int> For(long receive)
    {
        var first = receive % 16 == 0 ? 3 : receive % 8 == 0 ? 2 : receive % 4 == 0 ? 1 : 0;
        return [first, .. Enumerable.Range(0, Queues).Where(q => q != first)];
    }
}
