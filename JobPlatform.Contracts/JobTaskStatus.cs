namespace JobPlatform.Contracts;

/// <summary>
/// The closed set of task states, stored as lowercase text; the console uses the same strings.
/// Every change is a guarded update in the Api's lifecycle (<c>JobPlatform.Api/Lifecycle</c>),
/// which moves a task only from the states its transition table lists, so a late or duplicate
/// report can never move a task backwards.
/// </summary>
public static class JobTaskStatus
{
    /// <summary>In: submission, a retry from the Api, or the TaskReconciler (lease expired, or message lost), always with an outbox row. Out: enqueued (OutboxRelay), running (a claim that beat the relay's commit), cancelled.</summary>
    public const string Pending = "pending";

    /// <summary>In: OutboxRelay, after SQS accepted the message, or a stopping worker released the task. Out: running (a claim), cancelled.</summary>
    public const string Enqueued = "enqueued";

    /// <summary>In: a claim, which records an attempt and a lease. Out: succeeded, retrying or failed (the worker's report), enqueued (released by a stopping worker), running again (a claim after the lease expired), pending or dead_lettered (the TaskReconciler, when the lease ran out with no report), cancelled.</summary>
    public const string Running = "running";

    /// <summary>In: a failed attempt with attempts left; it waits out its backoff in PostgreSQL, with no message. Out: pending (the outbox relay, when the backoff ends), cancelled.</summary>
    public const string Retrying = "retrying";

    /// <summary>Final. In: the worker reported success.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>Final. In: the last attempt failed, or the failure was not retryable. Out: pending (a retry from the Api).</summary>
    public const string Failed = "failed";

    /// <summary>Final. In: DeadLetterDrainer, when SQS moved the task's message to the dead-letter queue after too many receives without a report (a task that crashes its worker); or the TaskReconciler, when the task's last attempt lost its worker. Counts as failed for its job. Out: pending (a retry from the Api).</summary>
    public const string DeadLettered = "dead_lettered";

    /// <summary>Final. In: POST /jobs/{id}/cancel, from any unfinished state; a running attempt stops at its next heartbeat. Out: pending (a retry from the Api).</summary>
    public const string Cancelled = "cancelled";

    public static IReadOnlyList<string> All { get; } = [Pending, Enqueued, Running, Retrying, Succeeded, Failed, DeadLettered, Cancelled];

    public static IReadOnlyList<string> Final { get; } = [Succeeded, Failed, DeadLettered, Cancelled];
}
