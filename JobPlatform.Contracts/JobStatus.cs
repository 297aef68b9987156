namespace JobPlatform.Contracts;

/// <summary>
/// The closed set of job states, stored as lowercase text; the console uses the same strings.
/// Every change is a guarded update in the Api's lifecycle (<c>JobPlatform.Api/Lifecycle</c>).
/// </summary>
public static class JobStatus
{
    /// <summary>In: submission with a <c>runAt</c> (or <c>delay</c>) in the future. Out: pending (the outbox relay releases its tasks when it is due), cancelled.</summary>
    public const string Scheduled = "scheduled";

    /// <summary>In: submission, or the release of a scheduled job. Out: enqueued (OutboxRelay sent its first tasks), running (a claim came first).</summary>
    public const string Pending = "pending";

    /// <summary>In: OutboxRelay. Out: running (the first claim).</summary>
    public const string Enqueued = "enqueued";

    /// <summary>In: the first claim of one of its tasks, or a retry from the Api. Out: completed or failed (its last task finished), cancelled.</summary>
    public const string Running = "running";

    /// <summary>Final. In: the last task finished and no more tasks failed than the failure threshold allows. Out: running (a retry of its failed or cancelled tasks).</summary>
    public const string Completed = "completed";

    /// <summary>Final. In: more tasks failed for good than the failure threshold allows; its unfinished tasks are cancelled. Out: running (a retry).</summary>
    public const string Failed = "failed";

    /// <summary>Final. In: POST /jobs/{id}/cancel before the job finished. Out: running (a retry).</summary>
    public const string Cancelled = "cancelled";

    public static IReadOnlyList<string> All { get; } = [Scheduled, Pending, Enqueued, Running, Completed, Failed, Cancelled];

    public static IReadOnlyList<string> Final { get; } = [Completed, Failed, Cancelled];
}
