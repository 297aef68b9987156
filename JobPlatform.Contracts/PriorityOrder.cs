namespace JobPlatform.Contracts;

/// <summary>
/// The order in which one turn looks at the priorities (0 = critical, 1 = high, 2 = normal, 3 = low):
/// a worker's receive from the task queues, and the outbox relay's release of a tenant's tasks. Of
/// every 16 turns, 12 go most urgent first and 2 start at high, 1 at normal and 1 at low, so while
/// higher priorities keep the workers busy, each lower one still gets its turns and never starves.
/// </summary>
public sealed class PriorityOrder
{
    private static readonly int Queues = JobPriority.All.Count;
    private long _turns;

    public IReadOnlyList<int> Next() => For(Interlocked.Increment(ref _turns));

    /// <summary>The order for the <paramref name="turn"/>-th turn (from 1).</summary>
    public static IReadOnlyList<int> For(long turn)
    {
        var first = turn % 16 == 0 ? 3 : turn % 8 == 0 ? 2 : turn % 4 == 0 ? 1 : 0;
        return [first, .. Enumerable.Range(0, Queues).Where(q => q != first)];
    }
}
