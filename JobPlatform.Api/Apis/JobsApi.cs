using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JobPlatform.Api.Lifecycle;
using JobPlatform.Api.Data;
using JobPlatform.Contracts;
using JobPlatform.Api.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace JobPlatform.Api.Apis;

public static class JobsApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/jobs").WithTags("Jobs").RequireAuthorization(Policies.Tenant);

        api.MapPost("/", SubmitJobAsync)
            .WithName("SubmitJob")
            .WithSummary("Submit a job")
            .WithDescription($"Stores the job and its tasks and queues every task. Send an {IdempotencyKeyHeader} header to make retries safe.")
            .Accepts<SubmitJobRequest>("application/json")
            .WithMetadata(new RequestSizeLimitAttribute(JobLimits.MaxRequestBodyBytes));
        api.MapGet("/", ListJobsAsync).WithName("ListJobs").WithSummary("List jobs, newest first");
        api.MapGet("/{id:guid}", GetJobAsync).WithName("GetJob").WithSummary("Get a job with its task counts");
        api.MapGet("/{id:guid}/tasks", ListJobTasksAsync).WithName("ListJobTasks").WithSummary("List a job's tasks in order");
        api.MapGet("/{id:guid}/timeline", GetTimelineAsync).WithName("GetJobTimeline")
            .WithSummary("List a job's attempts, oldest first: which worker ran which task, when, and how it ended");
        api.MapPost("/{id:guid}/cancel", CancelJobAsync).WithName("CancelJob")
            .WithSummary("Cancel a job: its unfinished tasks are cancelled, running ones stop at their next heartbeat");
        api.MapPost("/{id:guid}/retry", RetryJobAsync).WithName("RetryJob")
            .WithSummary("Run a finished job's failed, dead-lettered and cancelled tasks again");
        return app;
    }

    public static async Task<Results<Created<JobResponse>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> SubmitJobAsync(
        HttpRequest request, [AsParameters] JobServices services, CancellationToken ct)
    {
        SubmitJobRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<SubmitJobRequest>(JsonSerializerOptions.Web, ct);
        }
        catch (JsonException ex)
        {
            // System.Text.Json names the path of a value of the wrong type; anything else is broken JSON.
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            var where = $"line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}";
            var message = field == "body"
                ? $"The body is not a JSON job object ({where})."
                : $"{field} has the wrong type ({where}). See the API reference at /openapi/v1.json.";
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { [field] = [message] },
                title: "The request body could not be read.");
        }
        catch (InvalidOperationException) when (!request.HasJsonContentType())
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported content type.",
                detail: "Send the job as JSON with 'Content-Type: application/json'.");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge($"The request body is over the {JobLimits.MaxRequestBodyBytes:N0}-byte limit.");
        }

        if (body is null)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["body"] = ["Send a job object, for example {\"type\":\"noop\",\"taskCount\":10}."] });
        }

        var parametersBytes = body.Parameters is null ? 0 : Encoding.UTF8.GetByteCount(body.Parameters.ToJsonString());
        if (parametersBytes > JobLimits.MaxParametersBytes)
        {
            return TooLarge($"parameters is {parametersBytes:N0} bytes; the limit is {JobLimits.MaxParametersBytes:N0}.");
        }

        var (validated, errors) = Validate(body);
        var idempotencyKey = request.Headers[IdempotencyKeyHeader].ToString();
        if (idempotencyKey.Length > JobLimits.MaxIdempotencyKeyLength)
        {
            errors[IdempotencyKeyHeader] = [$"The {IdempotencyKeyHeader} header is at most {JobLimits.MaxIdempotencyKeyLength} characters."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The job is not valid.");
        }

        var now = services.Clock.GetUtcNow();
        var job = new Job
        {
            Id = Guid.CreateVersion7(now),
            TenantId = services.Tenant.RequiredId,
            Name = validated!.Name,
            Type = validated.Type,
            Status = JobStatus.Pending,
            TaskCount = validated.TaskCount,
            MaxAttempts = validated.MaxAttempts,
            FailureThreshold = validated.FailureThreshold,
            TimeoutSeconds = validated.TimeoutSeconds,
            Parameters = validated.Parameters,
            Priority = validated.Priority,
            TraceParent = TaskTracing.CurrentTraceParent(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        System.Diagnostics.Activity.Current?.SetTag(TaskTracing.TenantId, job.TenantId);
        var response = job.ToResponse(new TaskCounts(job.TaskCount, 0, 0, 0, 0, 0, 0, 0));
        var location = $"/api/v1/jobs/{job.Id}";

        IdempotentRequest? idempotency = null;
        if (idempotencyKey.Length > 0)
        {
            idempotency = new IdempotentRequest(
                idempotencyKey,
                Fingerprint(body),
                StatusCodes.Status201Created,
                JsonSerializer.Serialize(response, JsonSerializerOptions.Web));
        }

        var outcome = await services.Submission.SubmitAsync(job, idempotency, ct);
        switch (outcome)
        {
            case SubmitOutcome.Created:
                System.Diagnostics.Activity.Current?.SetTag(TaskTracing.JobId, job.Id);
                services.Metrics.Submitted(job.Type, job.TaskCount);
                services.Logger.LogInformation("Job {JobId} submitted: {TaskCount} '{Type}' tasks", job.Id, job.TaskCount, job.Type);
                return TypedResults.Created(location, response);

            case SubmitOutcome.Replayed replayed:
                // The first response, as it was sent, so a client's retry cannot tell it apart.
                var replayedJob = JsonSerializer.Deserialize<JobResponse>(replayed.Body, JsonSerializerOptions.Web)!;
                System.Diagnostics.Activity.Current?.SetTag(TaskTracing.JobId, replayedJob.Id);
                request.HttpContext.Response.Headers.Location = $"/api/v1/jobs/{replayedJob.Id}";
                request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
                return TypedResults.Content(replayed.Body, "application/json", Encoding.UTF8, replayed.Status);

            case SubmitOutcome.KeyReused:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status422UnprocessableEntity,
                    title: "Idempotency-Key reused with a different request.",
                    detail: $"The key '{idempotencyKey}' was first used with another body. Use a new key for a new job.");

            case SubmitOutcome.InFlight:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "A request with this Idempotency-Key is in progress.",
                    detail: $"Another request with the key '{idempotencyKey}' has not finished. Retry after it does to get its job.");

            default:
                throw new InvalidOperationException($"Unexpected submission outcome {outcome}.");
        }
    }

    /// <summary>The most attempts one timeline request returns.</summary>
    public const int MaxTimelineLimit = 20_000;

    /// <summary>The attempts a timeline request returns when it does not say.</summary>
    public const int DefaultTimelineLimit = 5_000;

    public static async Task<Results<Ok<PagedResponse<JobResponse>>, ValidationProblem>> ListJobsAsync(
        [AsParameters] JobServices services, int? page, int? pageSize, string? status, string? name, CancellationToken ct)
    {
        var errors = ValidatePaging(page, pageSize);
        if (status is not null && !JobStatus.All.Contains(status))
        {
            errors["status"] = [$"Unknown job status '{status}'. Use one of: {string.Join(", ", JobStatus.All)}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var (pageNumber, size) = (page ?? 1, pageSize ?? JobLimits.DefaultPageSize);

        var query = services.Db.Jobs.AsNoTracking();
        if (status is not null)
        {
            query = query.Where(j => j.Status == status);
        }
        if (!string.IsNullOrWhiteSpace(name))
        {
            var pattern = $"%{EscapeLike(name.Trim())}%";
            query = query.Where(j => EF.Functions.ILike(j.Name, pattern, "\\"));
        }
        var total = await query.LongCountAsync(ct);
        var jobs = await query
            .OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id)
            .Skip((pageNumber - 1) * size).Take(size)
            .ToListAsync(ct);
        var counts = await services.Db.CountTasksAsync(jobs.Select(j => j.Id).ToList(), ct);

        return TypedResults.Ok(new PagedResponse<JobResponse>(
            jobs.Select(j => j.ToResponse(counts[j.Id])).ToList(),
            pageNumber, size, total, TotalPages(total, size)));
    }

    public static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> GetJobAsync(
        Guid id, [AsParameters] JobServices services, CancellationToken ct)
    {
        var job = await services.Db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return JobNotFound(id);
        }
        var counts = await services.Db.CountTasksAsync([id], ct);
        return TypedResults.Ok(job.ToResponse(counts[id]));
    }

    public static async Task<Results<Ok<PagedResponse<TaskResponse>>, ValidationProblem, ProblemHttpResult>> ListJobTasksAsync(
        Guid id, [AsParameters] JobServices services, int? page, int? pageSize, string? status, CancellationToken ct)
    {
        var errors = ValidatePaging(page, pageSize);
        if (status is not null && !JobTaskStatus.All.Contains(status))
        {
            errors["status"] = [$"Unknown task status '{status}'. Use one of: {string.Join(", ", JobTaskStatus.All)}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (!await services.Db.Jobs.AnyAsync(j => j.Id == id, ct))
        {
            return JobNotFound(id);
        }
        var (pageNumber, size) = (page ?? 1, pageSize ?? JobLimits.DefaultPageSize);

        var query = services.Db.Tasks.AsNoTracking().Where(t => t.JobId == id);
        if (status is not null)
        {
            query = query.Where(t => t.Status == status);
        }
        var total = await query.LongCountAsync(ct);
        var tasks = await query.OrderBy(t => t.Index).Skip((pageNumber - 1) * size).Take(size).ToListAsync(ct);

        return TypedResults.Ok(new PagedResponse<TaskResponse>(
            tasks.Select(t => t.ToResponse()).ToList(), pageNumber, size, total, TotalPages(total, size)));
    }

    public static async Task<Results<Ok<TimelineResponse>, ValidationProblem, ProblemHttpResult>> GetTimelineAsync(
        Guid id, [AsParameters] JobServices services, int? limit, CancellationToken ct)
    {
        if (limit is < 1 or > MaxTimelineLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"limit must be from 1 to {MaxTimelineLimit:N0}."] });
        }
        if (!await services.Db.Jobs.AnyAsync(j => j.Id == id, ct))
        {
            return JobNotFound(id);
        }
        var take = limit ?? DefaultTimelineLimit;
        var attempts = services.Db.TaskAttempts.AsNoTracking()
            .Join(services.Db.Tasks.Where(t => t.JobId == id), a => a.TaskId, t => t.Id, (a, t) => new { Attempt = a, t.Index });
        var total = await attempts.LongCountAsync(ct);
        var items = await attempts
            .OrderBy(x => x.Attempt.StartedAt).ThenBy(x => x.Attempt.Id)
            .Take(take)
            .Select(x => new TimelineItem(x.Attempt.TaskId, x.Index, x.Attempt.Number, x.Attempt.WorkerId, x.Attempt.StartedAt, x.Attempt.EndedAt, x.Attempt.Outcome))
            .ToListAsync(ct);
        return TypedResults.Ok(new TimelineResponse(items, total, total > items.Count));
    }

    public static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> CancelJobAsync(
        Guid id, [AsParameters] JobServices services, CancellationToken ct)
    {
        if (!await services.Db.Jobs.AnyAsync(j => j.Id == id, ct))
        {
            return JobNotFound(id);
        }
        var outcome = await services.Commands.CancelJobAsync(services.Tenant.RequiredId, id, ct);
        if (outcome is JobCommandOutcome.Done done && done.Tasks > 0)
        {
            services.Logger.LogInformation("Job {JobId} cancelled: {Tasks} tasks stopped", id, done.Tasks);
        }
        return await AnswerAsync(id, outcome, services, "cancelled",
            status => $"Job {id} already finished as {status}; only an unfinished job can be cancelled.", ct);
    }

    public static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> RetryJobAsync(
        Guid id, [AsParameters] JobServices services, CancellationToken ct)
    {
        if (!await services.Db.Jobs.AnyAsync(j => j.Id == id, ct))
        {
            return JobNotFound(id);
        }
        var outcome = await services.Commands.RetryJobAsync(services.Tenant.RequiredId, id, ct);
        return await AnswerAsync(id, outcome, services, "retried",
            status => JobStatus.Final.Contains(status)
                ? $"Job {id} is {status} with no failed, dead-lettered or cancelled tasks to run again."
                : $"Job {id} is {status}; only a finished job can be retried. Cancel it first, or retry single tasks.", ct);
    }

    /// <summary>The job as it is now for a command that applied, 409 or 404 otherwise.</summary>
    internal static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> AnswerAsync(
        Guid id, JobCommandOutcome outcome, JobServices services, string verb, Func<string, string> refusal, CancellationToken ct)
    {
        switch (outcome)
        {
            case JobCommandOutcome.Refused refused:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                    title: $"The job cannot be {verb}.", detail: refusal(refused.Status),
                    extensions: new Dictionary<string, object?> { ["jobStatus"] = refused.Status });
            case JobCommandOutcome.NotFound:
                return JobNotFound(id);
            default:
                var job = await services.Db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id, ct);
                var counts = await services.Db.CountTasksAsync([id], ct);
                return TypedResults.Ok(job.ToResponse(counts[id]));
        }
    }

    private sealed record ValidJob(string Name, string Type, int TaskCount, int MaxAttempts, int FailureThreshold, int? TimeoutSeconds, System.Text.Json.Nodes.JsonObject Parameters, short Priority);

    private static (ValidJob? Job, Dictionary<string, string[]> Errors) Validate(SubmitJobRequest body)
    {
        var errors = new Dictionary<string, string[]>();

        var type = TaskTypes.Find(body.Type);
        if (string.IsNullOrWhiteSpace(body.Type))
        {
            errors["type"] = [$"type is required. Use one of: {string.Join(", ", TaskTypes.All.Select(t => t.Name))}."];
        }
        else if (type is null)
        {
            errors["type"] = [$"Unknown task type '{body.Type}'. Use one of: {string.Join(", ", TaskTypes.All.Select(t => t.Name))}."];
        }

        if (body.TaskCount is null)
        {
            errors["taskCount"] = [$"taskCount is required: a number from 1 to {JobLimits.MaxTaskCount:N0}."];
        }
        else if (body.TaskCount is < 1 or > JobLimits.MaxTaskCount)
        {
            errors["taskCount"] = [$"taskCount must be from 1 to {JobLimits.MaxTaskCount:N0}; it was {body.TaskCount}."];
        }

        if (body.MaxAttempts is < 1 or > JobLimits.MaxMaxAttempts)
        {
            errors["maxAttempts"] = [$"maxAttempts must be from 1 to {JobLimits.MaxMaxAttempts}; it was {body.MaxAttempts}."];
        }

        if (body.FailureThreshold is < 0 || body.FailureThreshold > body.TaskCount)
        {
            errors["failureThreshold"] = [$"failureThreshold must be from 0 to taskCount ({body.TaskCount}); it was {body.FailureThreshold}."];
        }

        if (body.TimeoutSeconds is < 1 or > JobLimits.MaxTimeoutSeconds)
        {
            errors["timeoutSeconds"] = [$"timeoutSeconds must be from 1 to {JobLimits.MaxTimeoutSeconds:N0}; it was {body.TimeoutSeconds}."];
        }

        if (body.Priority is not null && JobPriority.RankOf(body.Priority) < 0)
        {
            errors["priority"] = [$"Unknown priority '{body.Priority}'. Use one of: {string.Join(", ", JobPriority.All)}."];
        }

        if (body.Name is { Length: > JobLimits.MaxNameLength })
        {
            errors["name"] = [$"name is at most {JobLimits.MaxNameLength} characters."];
        }

        var parameters = new System.Text.Json.Nodes.JsonObject();
        if (type is not null)
        {
            var (normalized, parameterErrors) = TaskTypes.Normalize(type, body.Parameters);
            parameters = normalized;
            foreach (var (key, messages) in parameterErrors)
            {
                errors[key] = messages;
            }
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var name = string.IsNullOrWhiteSpace(body.Name) ? type!.Name : body.Name.Trim();
        return (new ValidJob(name, type!.Name, body.TaskCount!.Value, body.MaxAttempts ?? JobLimits.DefaultMaxAttempts, body.FailureThreshold ?? 0, body.TimeoutSeconds, parameters,
            (short)JobPriority.RankOf(body.Priority ?? JobPriority.Normal)), errors);
    }

    internal static Dictionary<string, string[]> ValidatePaging(int? page, int? pageSize)
    {
        var errors = new Dictionary<string, string[]>();
        if (page is < 1)
        {
            errors["page"] = ["page starts at 1."];
        }
        if (pageSize is < 1 or > JobLimits.MaxPageSize)
        {
            errors["pageSize"] = [$"pageSize must be from 1 to {JobLimits.MaxPageSize}."];
        }
        return errors;
    }

    internal static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    internal static int TotalPages(long total, int size) => (int)((total + size - 1) / size);

    // Same key and "same body" means the same job request, whatever the whitespace.
    private static string Fingerprint(SubmitJobRequest body) =>
        Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web)));

    private static ProblemHttpResult TooLarge(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge, title: "The request is too large.", detail: detail);

    internal static ProblemHttpResult JobNotFound(Guid id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Job not found.", detail: $"There is no job {id}.");
}
