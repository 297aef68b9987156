using JobPlatform.Api.Lifecycle;
using JobPlatform.Api.Data;
using JobPlatform.Contracts;
using JobPlatform.Api.Identity;
using JobPlatform.Api.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JobPlatform.Api.Apis;

/// <summary>
/// The calls a worker makes around each task: a claim before running it, then one report. Workers
/// delete a message only after the Api answered the report.
/// </summary>
public static class WorkerApi
{
    private const int MaxErrorLength = 1_000;
    private const int MaxErrorDetailLength = 8_000;
    private const int MaxWorkerIdLength = 200;

    private static readonly TimeSpan MinLease = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxLease = TimeSpan.FromHours(12);

    public static IEndpointRouteBuilder MapWorkerApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(WorkerRoutes.Tasks).WithTags("Worker protocol").RequireAuthorization(Policies.Worker);
        api.MapPost(WorkerRoutes.Heartbeat, HeartbeatAsync).WithName("TaskHeartbeat")
            .WithSummary("Extend a running attempt's lease (workers only)");
        api.MapPost(WorkerRoutes.Claims, ClaimTasksAsync).WithName("ClaimTasks")
            .WithSummary($"Claim up to {WorkerRoutes.MaxClaimBatch} received tasks in one call (workers only)");
        api.MapPost(WorkerRoutes.Reports, ReportTasksAsync).WithName("ReportTasks")
            .WithSummary($"Report how up to {WorkerRoutes.MaxReportBatch} attempts ended in one call (workers only)");
        return app;
    }

    public static async Task<Results<Ok<ClaimTasksResponse>, ValidationProblem>> ClaimTasksAsync(
        ClaimTasksRequest request, [AsParameters] JobServices services, CancellationToken ct)
    {
        if (InvalidWorkerId(request.WorkerId) is { } invalid)
        {
            return invalid;
        }
        if (InvalidLease(request.Lease) is { } badLease)
        {
            return badLease;
        }
        if (request.Claims is not { Count: > 0 and <= WorkerRoutes.MaxClaimBatch } || request.Claims.Any(c => c.AttemptId == Guid.Empty))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["claims"] = [$"claims must hold 1 to {WorkerRoutes.MaxClaimBatch} items, each with a taskId and an attemptId."],
            });
        }

        var lease = request.Lease ?? services.Lease.Value.Duration;
        var outcomes = await services.Protocol.ClaimAsync(request.Claims.Select(c => new TaskClaim(c.TaskId, c.AttemptId, c.MessageId)).ToList(), request.WorkerId, lease, ct);
        return TypedResults.Ok(new ClaimTasksResponse(request.Claims.Zip(outcomes, (claim, outcome) => outcome switch
        {
            ClaimOutcome.Granted g => new TaskClaimResult(claim.TaskId, new TaskGrant(
                g.TaskId, g.JobId, claim.AttemptId, g.Index, g.Attempt, g.MaxAttempts, g.Type, g.Input, g.LeaseExpiresAt, g.Timeout, g.TenantId), null),
            ClaimOutcome.Refused refused => new TaskClaimResult(claim.TaskId, null, refused.Status),
            _ => new TaskClaimResult(claim.TaskId, null, null),
        }).ToList()));
    }

    public static async Task<Results<Ok<ReportTasksResponse>, ValidationProblem>> ReportTasksAsync(
        ReportTasksRequest request, [AsParameters] JobServices services, QuotaSignal quota, CancellationToken ct)
    {
        if (InvalidWorkerId(request.WorkerId) is { } invalid)
        {
            return invalid;
        }
        if (request.Reports is not { Count: > 0 and <= WorkerRoutes.MaxReportBatch })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reports"] = [$"reports must hold 1 to {WorkerRoutes.MaxReportBatch} items."] });
        }
        if (request.Reports.FirstOrDefault(r => !TaskReportOutcome.All.Contains(r.Outcome)) is { } unknown)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["reports.outcome"] = [$"Unknown outcome '{unknown.Outcome}' for task {unknown.TaskId}. Use one of: {string.Join(", ", TaskReportOutcome.All)}."],
            });
        }

        var reports = request.Reports.Select(r => r.Outcome switch
        {
            // A result PostgreSQL cannot store fails its attempt for good, not the whole batch.
            TaskReportOutcome.Succeeded when StoredText.FindNul(r.Result, "result") is { } nul => AttemptReport.Failed(r.TaskId, r.AttemptId,
                $"The handler's result cannot be stored: {StoredText.NulError(nul)}", null, retryable: false),
            TaskReportOutcome.Succeeded when ResultBytes(r.Result) is > JobLimits.MaxResultBytes and var bytes => AttemptReport.Failed(r.TaskId, r.AttemptId,
                $"The handler's result is {bytes:N0} bytes; the limit is {JobLimits.MaxResultBytes:N0}. Store large outputs elsewhere and return where they are.", null, retryable: false),
            TaskReportOutcome.Succeeded => AttemptReport.Succeeded(r.TaskId, r.AttemptId, r.Result),
            TaskReportOutcome.Released => AttemptReport.Released(r.TaskId, r.AttemptId,
                Truncate(string.IsNullOrWhiteSpace(r.Error) ? "Released by its worker." : r.Error, MaxErrorLength)),
            _ => AttemptReport.Failed(r.TaskId, r.AttemptId,
                Truncate(string.IsNullOrWhiteSpace(r.Error) ? "The task failed without a message." : r.Error, MaxErrorLength),
                r.Detail is null ? null : Truncate(r.Detail, MaxErrorDetailLength), r.Retryable),
        }).ToList();
        var outcomes = await services.Protocol.ReportAsync(reports, (attempt, backoff) => services.Retry.Value.DelayAfter(attempt, backoff, Random.Shared), ct);
        quota.Freed();
        services.Metrics.Reported(outcomes);
        return TypedResults.Ok(new ReportTasksResponse(request.Reports.Zip(outcomes, (report, outcome) => outcome switch
        {
            ReportOutcome.Applied applied => new TaskReportResult(report.TaskId, applied.Status, true, applied.RetryAfter),
            ReportOutcome.Stale stale => new TaskReportResult(report.TaskId, stale.Status, false, null),
            _ => new TaskReportResult(report.TaskId, null, false, null),
        }).ToList()));
    }

    public static async Task<Results<Ok<HeartbeatResponse>, ValidationProblem, ProblemHttpResult>> HeartbeatAsync(
        Guid id, HeartbeatRequest request, [AsParameters] JobServices services, CancellationToken ct)
    {
        if (InvalidWorkerId(request.WorkerId) is { } invalid)
        {
            return invalid;
        }
        if (InvalidLease(request.Lease) is { } badLease)
        {
            return badLease;
        }
        if (request.Progress is { Fraction: < 0 or > 1 or double.NaN } or { Message.Length: > TaskProgress.MaxMessageLength })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["progress"] = [$"progress.fraction must be from 0 to 1, and progress.message at most {TaskProgress.MaxMessageLength} characters."],
            });
        }
        var progress = request.Progress is null ? null : request.Progress with { Message = StoredText.Storable(request.Progress.Message) };
        var outcome = await services.Protocol.HeartbeatAsync(id, request.AttemptId, request.Lease ?? services.Lease.Value.Duration, progress, ct);
        return outcome switch
        {
            HeartbeatOutcome.Extended extended => TypedResults.Ok(new HeartbeatResponse(extended.LeaseExpiresAt)),
            HeartbeatOutcome.Lost lost => Conflict(
                "The attempt no longer holds the task.",
                $"Task {id} is {lost.Status} and attempt {request.AttemptId} is not its current attempt. Stop running it.",
                lost.Status),
            _ => TasksApi.TaskNotFound(id),
        };
    }

    /// <summary>409 with the task's status, so the worker knows whether its message can go.</summary>
    private static ProblemHttpResult Conflict(string title, string detail, string taskStatus) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        title: title,
        detail: detail,
        extensions: new Dictionary<string, object?> { [WorkerRoutes.TaskStatusExtension] = taskStatus });

    private static ValidationProblem? InvalidLease(TimeSpan? lease) =>
        lease is { } value && (value < MinLease || value > MaxLease)
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["lease"] = [$"lease must be from {MinLease.TotalSeconds:0} s to {MaxLease.TotalHours:0} h (the longest SQS visibility timeout)."],
            })
            : null;

    private static ValidationProblem? InvalidWorkerId(string? workerId) =>
        string.IsNullOrWhiteSpace(workerId) || workerId.Length > MaxWorkerIdLength || StoredText.HasNul(workerId)
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["workerId"] = [$"workerId is required, at most {MaxWorkerIdLength} characters."],
            })
            : null;

    /// <summary>A worker's free text, storable and at most <paramref name="length"/> characters.</summary>
    private static int ResultBytes(System.Text.Json.Nodes.JsonNode? result) =>
        result is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(result.ToJsonString());

    private static string Truncate(string value, int length) => StoredText.Storable(value.Length <= length ? value : value[..length])!;
}
