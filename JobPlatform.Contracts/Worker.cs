using System.Text.Json.Nodes;

namespace JobPlatform.Contracts;

/// <summary>
/// The body of every SQS task message. It names the task, and its type so that a worker without a
/// handler for it leaves it for one that has, without claiming it; the task's input lives in
/// PostgreSQL and comes back with the claim, so a message can never disagree with the database.
/// </summary>
/// <param name="Type">The task's type; null in a message sent before the type was carried.</param>
public sealed record TaskMessage(Guid TaskId, Guid JobId, string? Type = null);

/// <summary>
/// POST /api/v1/tasks/{id}/heartbeat: the attempt is still running; extend its lease. Answered 409
/// (with the task's status) when the attempt no longer holds the task, and the worker then stops it.
/// </summary>
/// <param name="Progress">How far the attempt has got, as its handler last said; null leaves the task's progress as it is.</param>
public sealed record HeartbeatRequest(Guid AttemptId, string WorkerId, TimeSpan? Lease = null, TaskProgress? Progress = null);

/// <summary>How far a running attempt has got, as its handler says: a fraction done, a line of text, or both.</summary>
/// <param name="Fraction">0 to 1; null when the handler cannot tell.</param>
/// <param name="Message">What it is doing, at most <see cref="MaxMessageLength"/> characters.</param>
public sealed record TaskProgress(double? Fraction, string? Message)
{
    public const int MaxMessageLength = 200;
}

/// <summary>The lease was extended.</summary>
public sealed record HeartbeatResponse(DateTimeOffset LeaseExpiresAt);

/// <summary>A granted claim: the worker now holds the task's lease for this attempt, and runs it with these settings.</summary>
/// <param name="Index">The task's place in its job, from 0.</param>
/// <param name="Input">What the task runs on: its job's parameters overlaid with the task's own input.</param>
public sealed record TaskGrant(
    Guid TaskId,
    Guid JobId,
    Guid AttemptId,
    int Index,
    int Attempt,
    int MaxAttempts,
    string Type,
    JsonObject Input,
    DateTimeOffset LeaseExpiresAt,
    TimeSpan? Timeout = null,
    string? TenantId = null);

/// <summary>
/// POST /api/v1/workers/{id}/presence: a worker replica says it is alive, every few seconds, and once
/// more with <see cref="Stopping"/> when it shuts down. Feeds the console's Workers page.
/// </summary>
/// <param name="Slots">Tasks the replica runs at once.</param>
/// <param name="CompletedLastMinute">Tasks the replica finished (succeeded or failed) in the last 60 s.</param>
/// <param name="TaskTypes">The task types the replica runs; their schemas go once, with <see cref="RegisterTaskTypesRequest"/>.</param>
/// <param name="Queues">The queues the replica receives from; none means <c>default</c> only.</param>
public sealed record WorkerPresenceRequest(
    string Host,
    int ProcessId,
    int Slots,
    DateTimeOffset StartedAt,
    int CompletedLastMinute,
    bool Stopping = false,
    IReadOnlyList<string>? TaskTypes = null,
    IReadOnlyList<string>? Queues = null);

/// <summary>
/// POST /api/v1/workers/{id}/task-types: a worker replica registers the task types it runs, once as
/// it starts: jobs of a registered type are accepted and checked against its input schema.
/// </summary>
public sealed record RegisterTaskTypesRequest(IReadOnlyList<TaskTypeRegistration> Types);

/// <summary>A task type as its worker registers it.</summary>
/// <param name="Name">The type, as jobs name it: lower-case letters, digits, '.', '_' and '-', at most <see cref="TaskTypeNames.MaxLength"/> characters.</param>
/// <param name="InputSchema">A JSON Schema (2020-12) of a task's input (the job's parameters overlaid with the task's own input), generated from the handler's input type.</param>
/// <param name="MaxAttempts">How many attempts a task of the type gets when its job does not say; null for the platform's default.</param>
/// <param name="Queue">The queue a job of the type travels on when it does not name one; null for <c>default</c>.</param>
/// <param name="RetryBackoff">How long a failed attempt of the type waits before the next, unless its job says; null for the Api's.</param>
public sealed record TaskTypeRegistration(string Name, string? Description, System.Text.Json.Nodes.JsonObject InputSchema, int? MaxAttempts = null, string? Queue = null,
    RetryBackoff? RetryBackoff = null);

/// <summary>
/// What a queue's name may be. A queue routes tasks to the workers that serve it: a task type
/// belongs to one (<c>default</c> unless its worker says otherwise), a job may name another, and a
/// worker receives from the queues it is configured for. Each queue is one SQS queue per priority.
/// </summary>
public static class QueueNames
{
    /// <summary>The queue of every type that names none, and of the built-in types.</summary>
    public const string Default = "default";

    public const int MaxLength = 40;

    /// <summary>
    /// Lower-case letters, digits and '_', starting with a letter or digit: no '-', which separates
    /// the priority in the SQS queue's name.
    /// </summary>
    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength }
        && (char.IsAsciiLetterLower(name[0]) || char.IsAsciiDigit(name[0]))
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    public const string Rule = "A queue's name is 1 to 40 lower-case letters, digits or '_', starting with a letter or digit.";
}

/// <summary>What a task type's name may be.</summary>
public static class TaskTypeNames
{
    public const int MaxLength = 64;

    /// <summary>Lower-case letters and digits, with '.', '_' or '-' after the first character.</summary>
    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength }
        && char.IsAsciiLetterLower(name[0]) | char.IsAsciiDigit(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-');
}

/// <summary>A worker replica as GET /api/v1/workers shows it.</summary>
/// <param name="Status">active, stopped (it said so), or gone (no presence for <c>WorkerPresence.GoneAfter</c>).</param>
/// <param name="TasksPerSecond">Tasks finished per second over the last minute.</param>
public sealed record WorkerResponse(
    string Id,
    string Host,
    int ProcessId,
    int Slots,
    DateTimeOffset StartedAt,
    DateTimeOffset LastHeartbeatAt,
    string Status,
    IReadOnlyList<RunningTaskResponse> RunningTasks,
    int CompletedLastMinute,
    double TasksPerSecond,
    IReadOnlyList<string>? Queues = null);

/// <summary>A task a worker is running now.</summary>
public sealed record RunningTaskResponse(Guid TaskId, Guid JobId, string JobName, int TaskIndex, int Attempt, DateTimeOffset? StartedAt);

/// <summary>The states a worker replica is shown in.</summary>
public static class WorkerStatus
{
    public const string Active = "active";
    public const string Stopped = "stopped";
    public const string Gone = "gone";
}

/// <summary>POST /api/v1/tasks/claims: a worker claims every task it just received, in one call.</summary>
/// <param name="Lease">How long each lease lasts: the worker's visibility timeout, so the lease and the message expire together. Defaults to the Api's TaskLease:Duration.</param>
public sealed record ClaimTasksRequest(string WorkerId, IReadOnlyList<TaskClaimItem> Claims, TimeSpan? Lease = null);

/// <summary>One task to claim, as the attempt the worker chose.</summary>
/// <param name="AttemptId">Chosen by the worker, so a claim retried after a lost response gets the same grant back.</param>
/// <param name="ReceiveCount">How many times SQS has delivered the message (ApproximateReceiveCount).</param>
/// <param name="MessageId">The SQS message the claim came from, kept with the attempt: when that message is dead-lettered later, the Api can tell it from a stale copy of the task's message.</param>
public sealed record TaskClaimItem(Guid TaskId, Guid AttemptId, int ReceiveCount, string? MessageId = null);

/// <summary>One answer per claim, in the order asked.</summary>
public sealed record ClaimTasksResponse(IReadOnlyList<TaskClaimResult> Results);

/// <summary>
/// A claim's answer: the <see cref="Grant"/>, or null when refused, with the task's status
/// (<see cref="TaskStatus"/> is null too when the task does not exist). A refused claim's message can go.
/// </summary>
public sealed record TaskClaimResult(Guid TaskId, TaskGrant? Grant, string? TaskStatus);

/// <summary>POST /api/v1/tasks/reports: a worker reports how many attempts ended, in one call.</summary>
public sealed record ReportTasksRequest(string WorkerId, IReadOnlyList<TaskReport> Reports);

/// <summary>How one attempt ended.</summary>
/// <param name="Outcome">succeeded, failed or released.</param>
/// <param name="Error">For failed: a one-line error; for released: the reason.</param>
/// <param name="Retryable">For failed: false when another attempt cannot succeed.</param>
public sealed record TaskReport(Guid TaskId, Guid AttemptId, string Outcome, JsonNode? Result = null, string? Error = null, string? Detail = null, bool Retryable = true);

/// <summary>One answer per report, in the order sent.</summary>
public sealed record ReportTasksResponse(IReadOnlyList<TaskReportResult> Results);

/// <summary>
/// What the Api did with one report. The worker deletes the message when <see cref="Status"/> is
/// final, and when the task is <c>retrying</c>: the retry waits <see cref="RetryAfter"/> in the Api's
/// database, which sends the task again then. A released task's message goes back to the queue at
/// once (its <see cref="RetryAfter"/> is zero).
/// <see cref="Applied"/> is false for a stale report (from an attempt that no longer holds the task,
/// which changed nothing), and <see cref="Status"/> is null when the task does not exist.
/// </summary>
public sealed record TaskReportResult(Guid TaskId, string? Status, bool Applied, TimeSpan? RetryAfter);

/// <summary>The outcomes a worker reports.</summary>
public static class TaskReportOutcome
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Released = "released";

    public static IReadOnlyList<string> All { get; } = [Succeeded, Failed, Released];
}
