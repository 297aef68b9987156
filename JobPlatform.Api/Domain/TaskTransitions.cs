using JobPlatform.Contracts;

namespace JobPlatform.Api.Domain;

/// <summary>The states each task transition may start from: the guard of every update.</summary>
public static class TaskTransitions
{
    /// <summary>OutboxRelay: the message is in the queue.</summary>
    public static readonly string[] ToEnqueued = [JobTaskStatus.Pending];

    /// <summary>
    /// A claim. Pending is allowed because a worker can receive the message before the relay's
    /// commit marks the task enqueued. A running task is claimable only once its lease has expired.
    /// </summary>
    public static readonly string[] ToRunning = [JobTaskStatus.Pending, JobTaskStatus.Enqueued, JobTaskStatus.Retrying];

    /// <summary>A report (succeeded, retrying, failed, or released back to enqueued), from the attempt that holds the task.</summary>
    public static readonly string[] ToReported = [JobTaskStatus.Running];

    /// <summary>
    /// TaskReconciler, for tasks whose message is presumed lost: queued long ago while the queue is
    /// empty. They go back to pending with a new outbox row.
    /// </summary>
    public static readonly string[] ToResent = [JobTaskStatus.Enqueued, JobTaskStatus.Retrying];

    /// <summary>DeadLetterDrainer: a task whose message SQS gave up on, unless it already finished.</summary>
    public static readonly string[] ToDeadLettered = [JobTaskStatus.Pending, JobTaskStatus.Enqueued, JobTaskStatus.Running, JobTaskStatus.Retrying];

    /// <summary>Cancelling the job: every task that has not finished.</summary>
    public static readonly string[] ToCancelled = [JobTaskStatus.Pending, JobTaskStatus.Enqueued, JobTaskStatus.Running, JobTaskStatus.Retrying];

    /// <summary>A retry from the Api: only tasks that ended without succeeding.</summary>
    public static readonly string[] ToRetried = [JobTaskStatus.Failed, JobTaskStatus.DeadLettered, JobTaskStatus.Cancelled];
}
