using JobPlatform.Contracts;

namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// A move a status may make: its name, the states it may start from, and the states it leads to.
/// Every statement that changes a status guards on <see cref="From"/>
/// (<c>WHERE status = ANY(@from)</c>), so a late or duplicate request can never move a row back.
/// </summary>
public sealed record Transition(string Name, string[] From, string[] To);

/// <summary>Every move a task may make, in one table. The lifecycle's statements read their guards from here.</summary>
public static class TaskTransitions
{
    /// <summary>The outbox relay: SQS accepted the task's message.</summary>
    public static readonly Transition Enqueue = new("enqueue", [JobTaskStatus.Pending], [JobTaskStatus.Enqueued]);

    /// <summary>
    /// A worker's claim. Pending is allowed because a worker can receive the message before the
    /// relay's commit marks the task enqueued. A running task is claimable only once its lease has
    /// expired (the claim's own condition, beside this guard). A retrying task is not: it waits for
    /// its backoff in PostgreSQL, with no message, until <see cref="RetryDue"/>.
    /// </summary>
    public static readonly Transition Claim = new("claim",
        [JobTaskStatus.Pending, JobTaskStatus.Enqueued], [JobTaskStatus.Running]);

    /// <summary>The outbox relay: a retrying task's backoff ended, and its outbox row is written (<see cref="DelayedJobs"/>).</summary>
    public static readonly Transition RetryDue = new("retry-due", [JobTaskStatus.Retrying], [JobTaskStatus.Pending]);

    /// <summary>A report from the attempt that holds the task: succeeded, retrying, failed, or released back to enqueued.</summary>
    public static readonly Transition Report = new("report", [JobTaskStatus.Running],
        [JobTaskStatus.Succeeded, JobTaskStatus.Retrying, JobTaskStatus.Failed, JobTaskStatus.Enqueued]);

    /// <summary>The reconciler: the lease ran out. The task is queued again, or dead-lettered after its last attempt.</summary>
    public static readonly Transition Expire = new("expire", [JobTaskStatus.Running], [JobTaskStatus.Pending, JobTaskStatus.DeadLettered]);

    /// <summary>
    /// A new message for a task waiting in SQS: the reconciler's, for a message presumed lost (queued
    /// long ago while the queue is empty), and the dead-letter drainer's, for a message SQS gave up on
    /// while no attempt ran (its claims failed). A retrying task has no message to lose.
    /// </summary>
    public static readonly Transition Resend = new("resend", [JobTaskStatus.Enqueued], [JobTaskStatus.Pending]);

    /// <summary>
    /// The dead-letter drainer: SQS gave up on the message of a task an attempt holds and never
    /// reported on (it may crash its worker). Only what a task did dead-letters it.
    /// </summary>
    public static readonly Transition DeadLetter = new("dead-letter", [JobTaskStatus.Running], [JobTaskStatus.DeadLettered]);

    /// <summary>Cancelling the job, or cancelling the leftovers of a job that failed: every task that has not finished.</summary>
    public static readonly Transition Cancel = new("cancel",
        [JobTaskStatus.Pending, JobTaskStatus.Enqueued, JobTaskStatus.Running, JobTaskStatus.Retrying], [JobTaskStatus.Cancelled]);

    /// <summary>A retry from the Api: only tasks that ended without succeeding.</summary>
    public static readonly Transition Retry = new("retry",
        [JobTaskStatus.Failed, JobTaskStatus.DeadLettered, JobTaskStatus.Cancelled], [JobTaskStatus.Pending]);

    public static IReadOnlyList<Transition> All { get; } = [Enqueue, Claim, RetryDue, Report, Expire, Resend, DeadLetter, Cancel, Retry];
}

/// <summary>Every move a job may make, in one table. Only <see cref="JobCounters"/> finishes a job.</summary>
public static class JobTransitions
{
    private static readonly string[] Unfinished = [JobStatus.Scheduled, JobStatus.Pending, JobStatus.Enqueued, JobStatus.Running];

    /// <summary>The outbox relay: a scheduled job is due, and its tasks' outbox rows are written.</summary>
    public static readonly Transition Release = new("release", [JobStatus.Scheduled], [JobStatus.Pending]);

    /// <summary>The outbox relay sent its first tasks.</summary>
    public static readonly Transition Enqueue = new("enqueue", [JobStatus.Pending], [JobStatus.Enqueued]);

    /// <summary>The first claim of one of its tasks.</summary>
    public static readonly Transition Start = new("start", [JobStatus.Pending, JobStatus.Enqueued], [JobStatus.Running]);

    /// <summary>The job's counters: its last task finished, or more failed than its threshold allows.</summary>
    public static readonly Transition Finish = new("finish", Unfinished, [JobStatus.Completed, JobStatus.Failed]);

    /// <summary>POST /jobs/{id}/cancel before the job finished.</summary>
    public static readonly Transition Cancel = new("cancel", Unfinished, [JobStatus.Cancelled]);

    /// <summary>A retry of a finished job's failed, dead-lettered or cancelled tasks.</summary>
    public static readonly Transition RetryJob = new("retry-job", [.. JobStatus.Final], [JobStatus.Running]);

    /// <summary>A retry of one of its tasks, whatever the job's state: the job runs (again) until that task ends.</summary>
    public static readonly Transition RetryTask = new("retry-task", [.. JobStatus.All], [JobStatus.Running]);

    public static IReadOnlyList<Transition> All { get; } = [Release, Enqueue, Start, Finish, Cancel, RetryJob, RetryTask];
}
