using System.Text.Json.Nodes;

namespace JobPlatform.Contracts;

/// <summary>The body of POST /api/v1/jobs.</summary>
/// <param name="Name">A label for people. Defaults to the task type.</param>
/// <param name="Type">The task type every task of the job runs (see <see cref="TaskTypes"/>). Required.</param>
/// <param name="TaskCount">How many tasks to create, 1 to <see cref="JobLimits.MaxTaskCount"/>. Required unless <paramref name="Inputs"/> is given.</param>
/// <param name="Parameters">The task type's parameters, shared by every task. Defaults to the type's defaults.</param>
/// <param name="MaxAttempts">How many times a task may run before it fails for good. Defaults to what the type's worker registered, else 3.</param>
/// <param name="FailureThreshold">How many tasks may fail for good before the job fails (and its other tasks are cancelled). Defaults to 0.</param>
/// <param name="TimeoutSeconds">How long one attempt may run before it is stopped and counted as failed, 1 to 43,200. Defaults to none.</param>
/// <param name="Priority">critical, high, normal or low (see <see cref="JobPriority"/>). Defaults to normal.</param>
/// <param name="Inputs">
/// One input per task, a JSON object each: task N runs with <paramref name="Parameters"/> overlaid with
/// input N (a field of the input replaces the parameter of that name). The task count follows; a
/// <paramref name="TaskCount"/> given as well must match.
/// </param>
/// <param name="Queue">
/// The queue the job's tasks travel on (see <see cref="QueueNames"/>): only workers that serve it
/// receive them. Defaults to the queue the type's worker registered it on, else <c>default</c>.
/// </param>
/// <param name="RetryBackoff">How long a failed attempt waits before the next; a field left out takes the type's, then the Api's.</param>
/// <param name="RunAt">
/// When the job's tasks are released to the workers: the job is stored at once with status
/// <c>scheduled</c> and runs from then on. Up to <see cref="JobLimits.MaxStartDelay"/> ahead; a time
/// already past runs at once. Leave out (with <paramref name="Delay"/>) to run at once.
/// </param>
/// <param name="Delay">How long after the submission the job runs, as <c>[d.]hh:mm:ss</c> (for example <c>00:10:00</c>); instead of <paramref name="RunAt"/>.</param>
public sealed record SubmitJobRequest(
    string? Name,
    string? Type,
    int? TaskCount,
    JsonObject? Parameters,
    int? MaxAttempts,
    int? FailureThreshold = null,
    int? TimeoutSeconds = null,
    string? Priority = null,
    IReadOnlyList<JsonObject?>? Inputs = null,
    string? Queue = null,
    RetryBackoff? RetryBackoff = null,
    DateTimeOffset? RunAt = null,
    TimeSpan? Delay = null);

/// <summary>A job as the Api returns it.</summary>
/// <param name="Notice">
/// Why an unfinished job may not progress, when the Api knows: no live worker runs its type, so its
/// tasks wait until one starts. Set by POST /jobs and GET /jobs/{id}; null in lists and events.
/// </param>
/// <param name="Queue">The queue its tasks travel on.</param>
/// <param name="RetryBackoff">The job's own backoff, as submitted over its type's; null when the Api's applies.</param>
/// <param name="RunAt">When a delayed job's tasks are (or were) released; null for a job that ran at once.</param>
/// <param name="ScheduleId">The schedule whose firing submitted the job; null for a job submitted by hand.</param>
public sealed record JobResponse(
    Guid Id,
    string Name,
    string Type,
    string Status,
    int TaskCount,
    int MaxAttempts,
    int FailureThreshold,
    int? TimeoutSeconds,
    JsonObject Parameters,
    TaskCounts Counts,
    string Priority,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Notice = null,
    string Queue = QueueNames.Default,
    RetryBackoff? RetryBackoff = null,
    DateTimeOffset? RunAt = null,
    Guid? ScheduleId = null);

/// <summary>How many of a job's tasks are in each task status.</summary>
public sealed record TaskCounts(
    int Pending,
    int Enqueued,
    int Running,
    int Retrying,
    int Succeeded,
    int Failed,
    int DeadLettered,
    int Cancelled);

/// <summary>A task as the Api returns it. <see cref="Attempts"/> is filled in for a single task only.</summary>
/// <param name="JobName">The job's name; filled in by lists that span jobs (GET /api/v1/tasks).</param>
/// <param name="AttemptCount">How many times the task was claimed, this run included.</param>
/// <param name="WorkerId">The worker of the latest attempt.</param>
/// <param name="Input">The task's own input, as submitted in the job's <c>inputs</c>; null when the job gave none.</param>
/// <param name="Progress">What the latest attempt's handler last said of its progress (sent with its heartbeats); null when it said nothing.</param>
public sealed record TaskResponse(
    Guid Id,
    Guid JobId,
    string? JobName,
    int Index,
    string Type,
    string Status,
    int AttemptCount,
    int MaxAttempts,
    string? WorkerId,
    string? Error,
    JsonObject? Input,
    JsonNode? Result,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    TaskProgress? Progress,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<AttemptResponse>? Attempts = null);

/// <summary>One execution of a task, oldest first.</summary>
/// <param name="Outcome">succeeded or failed; null while it runs (or if its worker was lost).</param>
public sealed record AttemptResponse(
    Guid Id,
    int Number,
    string WorkerId,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string? Outcome,
    string? Error,
    string? ErrorDetail);

/// <summary>One page of a list.</summary>
public sealed record PagedResponse<T>(
    IReadOnlyList<T> Items,
    int Page,
    int PageSize,
    long TotalCount,
    int TotalPages);

/// <summary>Limits the Api enforces on submissions.</summary>
public static class JobLimits
{
    /// <summary>The most tasks one job may have.</summary>
    public const int MaxTaskCount = 100_000;

    /// <summary>The most attempts a task may be given.</summary>
    public const int MaxMaxAttempts = 25;

    /// <summary>Attempts a task gets when the submission does not say. Defaults to 3.</summary>
    public const int DefaultMaxAttempts = 3;

    /// <summary>The largest result a task's handler may return, serialised, in bytes (64 KiB); a larger one fails its attempt for good.</summary>
    public const int MaxResultBytes = 64 * 1024;

    /// <summary>The largest <c>parameters</c> object, serialised, in bytes (16 KiB).</summary>
    public const int MaxParametersBytes = 16 * 1024;

    /// <summary>The largest input of one task, serialised, in bytes (16 KiB).</summary>
    public const int MaxInputBytes = 16 * 1024;

    /// <summary>The largest request body the job endpoints read, in bytes (1 MiB).</summary>
    public const int MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>The largest NDJSON job body (the job, then one input per line), in bytes (256 MiB): 100,000 inputs of 2.6 KiB.</summary>
    public const long MaxNdjsonBodyBytes = 256L * 1024 * 1024;

    /// <summary>The media type of a job sent as NDJSON: the job on its first line, then one task input per line.</summary>
    public const string NdjsonContentType = "application/x-ndjson";

    /// <summary>The longest attempt timeout, in seconds (12 h, the longest SQS visibility timeout).</summary>
    public const int MaxTimeoutSeconds = 43_200;

    /// <summary>How far ahead a job's <c>runAt</c> (or <c>delay</c>) may be: 366 days.</summary>
    public static readonly TimeSpan MaxStartDelay = TimeSpan.FromDays(366);

    /// <summary>The longest job name, in characters.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The longest Idempotency-Key header value, in characters.</summary>
    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>The largest page a list returns.</summary>
    public const int MaxPageSize = 500;

    /// <summary>The page size a list uses when the request does not say.</summary>
    public const int DefaultPageSize = 20;
}

/// <summary>One attempt on a job's timeline: which worker ran which task, when, and how it ended.</summary>
/// <param name="EndedAt">Null while the attempt runs.</param>
/// <param name="Outcome">succeeded, failed, lost or released; null while it runs.</param>
public sealed record TimelineItem(
    Guid TaskId,
    int TaskIndex,
    int Attempt,
    string WorkerId,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string? Outcome);

/// <summary>GET /api/v1/jobs/{id}/timeline: a job's attempts, oldest first.</summary>
/// <param name="TotalCount">How many attempts the job has in all.</param>
/// <param name="Truncated">True when only the first <c>limit</c> attempts are returned.</param>
public sealed record TimelineResponse(IReadOnlyList<TimelineItem> Items, long TotalCount, bool Truncated);

/// <summary>Sent in an <c>tasks</c> event: some of the job's tasks changed.</summary>
public sealed record TasksChangedEvent(Guid JobId);

/// <summary>
/// One line of GET /api/v1/jobs/{id}/results (NDJSON, in task order): a task's status and, once it
/// has ended, its result or error.
/// </summary>
/// <param name="Index">The task's place in its job, from 0: pass the last one read as <c>after</c> to resume.</param>
/// <param name="Result">What the handler returned; null unless the task succeeded.</param>
/// <param name="Error">Why the task failed; null unless it failed, was dead-lettered or was cancelled.</param>
public sealed record TaskResultLine(int Index, Guid TaskId, string Status, JsonNode? Result, string? Error);
