using System.Text.Json.Nodes;

namespace JobPlatform.Api.Lifecycle;

public sealed record IdempotentRequest(string Key, string RequestHash, int ResponseStatus, string ResponseBody);

public abstract record SubmitOutcome
{
    public sealed record Created : SubmitOutcome;
    public sealed record Replayed(int Status, string Body) : SubmitOutcome;
    public sealed record KeyReused : SubmitOutcome;
    public sealed record InFlight : SubmitOutcome;

    /// <summary>The job would take the tenant past its cap on unfinished tasks: <paramref name="InUse"/> of <paramref name="Limit"/>.</summary>
    public sealed record OverCap(long InUse, int Limit) : SubmitOutcome;
}

public abstract record ClaimOutcome
{
    public sealed record Granted(Guid TaskId, Guid JobId, int Index, int Attempt, int MaxAttempts, string Type, JsonObject Input, DateTimeOffset LeaseExpiresAt, TimeSpan? Timeout, string TenantId) : ClaimOutcome;
    public sealed record Refused(string Status) : ClaimOutcome;
    public sealed record NotFound : ClaimOutcome;
}

public abstract record JobCommandOutcome
{
    /// <param name="Tasks">How many tasks the command moved.</param>
    public sealed record Done(int Tasks) : JobCommandOutcome;
    public sealed record Refused(string Status) : JobCommandOutcome;
    public sealed record NotFound : JobCommandOutcome;

    /// <summary>The job is past its tenant's retention: the pruner is deleting it, and nothing reopens it.</summary>
    public sealed record Expired : JobCommandOutcome;
}

public abstract record HeartbeatOutcome
{
    public sealed record Extended(DateTimeOffset LeaseExpiresAt) : HeartbeatOutcome;
    public sealed record Lost(string Status) : HeartbeatOutcome;
    public sealed record NotFound : HeartbeatOutcome;
}

public abstract record ReportOutcome
{
    public sealed record Applied(string Status, TimeSpan? RetryAfter) : ReportOutcome;
    public sealed record Stale(string Status) : ReportOutcome;
    public sealed record NotFound : ReportOutcome;
}

/// <summary>A worker's request to run a task as the attempt it names.</summary>
public sealed record TaskClaim(Guid TaskId, Guid AttemptId, string? MessageId = null);

/// <summary>One attempt's report: how it ended, with its result or error.</summary>
/// <param name="Outcome">An <see cref="AttemptOutcome"/>: succeeded, failed or released.</param>
public sealed record AttemptReport(Guid TaskId, Guid AttemptId, string Outcome, JsonNode? Result, string? Error, string? ErrorDetail, bool Retryable)
{
    public static AttemptReport Succeeded(Guid taskId, Guid attemptId, JsonNode? result) =>
        new(taskId, attemptId, AttemptOutcome.Succeeded, result, null, null, Retryable: false);

    public static AttemptReport Failed(Guid taskId, Guid attemptId, string error, string? detail, bool retryable) =>
        new(taskId, attemptId, AttemptOutcome.Failed, null, error, detail, retryable);

    public static AttemptReport Released(Guid taskId, Guid attemptId, string reason) =>
        new(taskId, attemptId, AttemptOutcome.Released, null, reason, null, Retryable: true);
}

/// <summary>What one reconciliation pass did.</summary>
public sealed record ReconcileResult(int Requeued, int Failed, int Resent, int Cancelled, int JobsFinished)
{
    public int Total => Requeued + Failed + Resent + Cancelled + JobsFinished;
}
