using System.Text.Json.Nodes;

namespace JobPlatform.Api.Data;

/// <summary>A submitted job: a task type, shared parameters and a number of tasks.</summary>
public sealed class Job
{
    public Guid Id { get; set; }
    public required string TenantId { get; set; }
    public required string Name { get; set; }
    public required string Type { get; set; }

    /// <summary>The queue its tasks travel on: only workers that serve it receive them.</summary>
    public string Queue { get; set; } = Contracts.QueueNames.Default;

    /// <summary>The job's backoff between attempts, its own over its type's; null for the Api's.</summary>
    public Contracts.RetryBackoff? RetryBackoff { get; set; }

    public required string Status { get; set; }
    public int TaskCount { get; set; }
    public int MaxAttempts { get; set; }

    /// <summary>How many tasks may fail for good before the job fails.</summary>
    public int FailureThreshold { get; set; }

    /// <summary>How long one attempt may run, in seconds; null for no limit.</summary>
    public int? TimeoutSeconds { get; set; }

    public required JsonObject Parameters { get; set; }

    /// <summary>The rank of the job's priority: 0 (critical) to 3 (low); see JobPriority.</summary>
    public short Priority { get; set; } = 2;

    /// <summary>Tasks in a final state. Maintained by the transitions that finish a task, so the last one can finish the job.</summary>
    public int FinishedTasks { get; set; }

    /// <summary>Tasks that failed for good (failed or dead-lettered).</summary>
    public int FailedTasks { get; set; }

    /// <summary>
    /// The W3C traceparent of the submission, when it was traced: every attempt of every task joins
    /// that trace, through the trace context the outbox relay puts on each message.
    /// </summary>
    public string? TraceParent { get; set; }

    /// <summary>When a delayed job's tasks are released (it waits as <c>scheduled</c> until then); null for a job that ran at once.</summary>
    public DateTimeOffset? RunAt { get; set; }

    /// <summary>The schedule whose firing submitted the job; null for one submitted by hand.</summary>
    public Guid? ScheduleId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

/// <summary>
/// A tenant's recurring job: a cron expression read in a time zone, and the job each firing submits.
/// Only <see cref="Scheduling.ScheduleFiring"/> moves <see cref="NextFireAt"/> forward.
/// </summary>
public sealed class Schedule
{
    public Guid Id { get; set; }
    public required string TenantId { get; set; }
    public required string Name { get; set; }
    public required string Cron { get; set; }
    public required string TimeZone { get; set; }

    /// <summary>The job each firing submits, as POST /jobs takes it (a <see cref="Contracts.SubmitJobRequest"/>).</summary>
    public required JsonObject Template { get; set; }

    public required string Overlap { get; set; }
    public required string CatchUp { get; set; }
    public bool Paused { get; set; }

    /// <summary>The fire time it is due at next; null while paused.</summary>
    public DateTimeOffset? NextFireAt { get; set; }

    /// <summary>The fire time of its latest firing.</summary>
    public DateTimeOffset? LastFireAt { get; set; }

    /// <summary>The job its latest firing submitted: the overlap policy looks at it.</summary>
    public Guid? LastJobId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One firing of a schedule: the job it submitted, or why it submitted none.</summary>
public sealed class ScheduleRun
{
    public long Id { get; set; }
    public Guid ScheduleId { get; set; }
    public required string TenantId { get; set; }
    public DateTimeOffset FireTime { get; set; }
    public DateTimeOffset FiredAt { get; set; }
    public required string Outcome { get; set; }
    public Guid? JobId { get; set; }
    public string? Reason { get; set; }
    public bool Manual { get; set; }
}

/// <summary>One unit of work of a job.</summary>
public sealed class JobTask
{
    public Guid Id { get; set; }
    public Guid JobId { get; set; }
    public required string TenantId { get; set; }
    public int Index { get; set; }
    public required string Type { get; set; }
    public required string Status { get; set; }
    public int Attempts { get; set; }
    public int MaxAttempts { get; set; }
    public string? WorkerId { get; set; }
    public Guid? CurrentAttemptId { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    public string? Error { get; set; }

    /// <summary>The task's own input (a field of it replaces the job's parameter of that name); null when the job gave none.</summary>
    public JsonObject? Input { get; set; }

    /// <summary>When a <c>retrying</c> task is due to run again (its backoff ends); null otherwise.</summary>
    public DateTimeOffset? RetryAt { get; set; }

    /// <summary>The latest attempt's progress, 0 to 1, as its handler last said; null when it said nothing.</summary>
    public double? ProgressFraction { get; set; }

    /// <summary>The latest attempt's progress message.</summary>
    public string? ProgressMessage { get; set; }

    public JsonNode? Result { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

/// <summary>One execution of a task by a worker, recorded by the claim.</summary>
public sealed class TaskAttempt
{
    public Guid Id { get; set; }
    public Guid TaskId { get; set; }
    public int Number { get; set; }
    public required string WorkerId { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public string? Outcome { get; set; }
    public string? Error { get; set; }
    public string? ErrorDetail { get; set; }

    /// <summary>The SQS message the attempt was claimed from; null for a worker that did not say.</summary>
    public string? MessageId { get; set; }
}

/// <summary>A task message waiting to be sent to SQS, written in the submission's transaction.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }
    public Guid TaskId { get; set; }
    public Guid JobId { get; set; }

    /// <summary>The job's tenant: the relay releases each tenant's rows only as its quota allows.</summary>
    public required string TenantId { get; set; }

    /// <summary>The job's priority rank: the relay releases higher priorities first, to their own queue.</summary>
    public short Priority { get; set; }

    /// <summary>The task's type: while live workers say which types they run, the relay holds back the others.</summary>
    public required string Type { get; set; }

    /// <summary>The job's queue: the relay sends to its SQS queues, and shares each queue's workers between tenants.</summary>
    public string Queue { get; set; } = Contracts.QueueNames.Default;

    /// <summary>The job's trace (its submission's traceparent), which the message carries on; null when untraced.</summary>
    public string? TraceParent { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A message the dead-letter queue held, kept whatever its body, so none is ever lost.</summary>
public sealed class DeadLetter
{
    public long Id { get; set; }
    public required string MessageId { get; set; }
    public required string Body { get; set; }
    public Guid? TaskId { get; set; }
    public int ReceiveCount { get; set; }
    public required string Reason { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>A submission's Idempotency-Key and the response it got, replayed for the same key and body.</summary>
public sealed class IdempotencyKey
{
    public required string TenantId { get; set; }
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public Guid JobId { get; set; }
    public int ResponseStatus { get; set; }
    public required string ResponseBody { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A worker replica as it last reported itself (POST /api/v1/workers/{id}/presence).</summary>
public sealed class WorkerPresence
{
    public required string Id { get; set; }
    public required string Host { get; set; }
    public int ProcessId { get; set; }
    public int Slots { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset LastHeartbeatAt { get; set; }
    public int CompletedLastMinute { get; set; }

    /// <summary>When the replica said it was stopping; null while it runs.</summary>
    public DateTimeOffset? StoppedAt { get; set; }

    /// <summary>The task types the replica runs, as its last presence report said.</summary>
    public List<string> TaskTypes { get; set; } = [];

    /// <summary>The queues the replica receives from, as its last presence report said.</summary>
    public List<string> Queues { get; set; } = [];
}

/// <summary>A task type a worker registered: jobs of it are accepted and checked against its input schema.</summary>
public sealed class TaskTypeEntry
{
    public required string Name { get; set; }
    public string? Description { get; set; }

    /// <summary>The JSON Schema of a task's input, as the last worker to register the type sent it.</summary>
    public required string InputSchema { get; set; }

    /// <summary>The attempts a task of the type gets when its job does not say; null for the default.</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>The queue a job of the type travels on when it names none.</summary>
    public string Queue { get; set; } = Contracts.QueueNames.Default;

    /// <summary>The backoff between attempts its worker registered; null for the Api's.</summary>
    public Contracts.RetryBackoff? RetryBackoff { get; set; }

    public required string RegisteredBy { get; set; }
    public DateTimeOffset RegisteredAt { get; set; }
}

/// <summary>A team sharing the platform: it sees only its own jobs, within its own limits.</summary>
public sealed class Tenant
{
    public required string Id { get; set; }
    public required string Name { get; set; }

    /// <summary>Requests a minute; null for the configured default.</summary>
    public int? RateLimitPerMinute { get; set; }

    /// <summary>Requests at once; null for the configured default.</summary>
    public int? RateLimitBurst { get; set; }

    /// <summary>Tasks that may run at once; null for the configured default.</summary>
    public int? MaxRunningTasks { get; set; }

    /// <summary>Event streams open at once on each Api replica; null for the configured default.</summary>
    public int? MaxEventStreams { get; set; }

    /// <summary>Tasks not yet finished that the tenant may have stored; null for the configured default.</summary>
    public int? MaxUnfinishedTasks { get; set; }

    /// <summary>Days a finished job is kept before it is deleted; null for the configured default.</summary>
    public int? JobRetentionDays { get; set; }

    /// <summary>Schedules the tenant may have; null for the configured default.</summary>
    public int? MaxSchedules { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A tenant's API key, stored only as the SHA-256 hash of the secret.</summary>
public sealed class ApiKey
{
    public Guid Id { get; set; }
    public required string TenantId { get; set; }
    public required string Name { get; set; }

    /// <summary>The key's first characters, to recognise it in lists; never enough to use it.</summary>
    public required string Prefix { get; set; }

    public required byte[] Hash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
