namespace JobPlatform.Contracts;

/// <summary>
/// How urgent a job is. Its tasks are released to the queue of their priority, highest first, and
/// workers take from higher-priority queues first while they are busy; lower priorities still get a
/// share, so none starves.
/// </summary>
public static class JobPriority
{
    public const string Critical = "critical";
    public const string High = "high";
    public const string Normal = "normal";
    public const string Low = "low";

    /// <summary>From the most urgent to the least: a priority's rank is its index here.</summary>
    public static IReadOnlyList<string> All => Ranked;

    private static readonly string[] Ranked = [Critical, High, Normal, Low];

    /// <summary>0 for critical to 3 for low; -1 for an unknown name.</summary>
    public static int RankOf(string? priority) => priority is null ? -1 : Array.IndexOf(Ranked, priority);

    public static string FromRank(int rank) => Ranked[rank];
}
