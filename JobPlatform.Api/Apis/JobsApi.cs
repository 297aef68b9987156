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

        api.MapPost("/", SubmitJobApi.SubmitJobAsync)
            .WithName("SubmitJob")
            .WithSummary("Submit a job")
            .WithDescription($"Stores the job and its tasks and queues every task. Send an {IdempotencyKeyHeader} header to make retries safe: " +
                "for 24 h (Retention:IdempotencyKeys) the same key and body replay the first response; after that the key makes a new job. " +
                "A job that would take the tenant past its cap on unfinished tasks (maxUnfinishedTasks) is 429 with Retry-After. " +
                $"For big jobs, send {JobLimits.NdjsonContentType}: the job (without taskCount or inputs) on the first line, then one task input per line, " +
                $"streamed to the database as it arrives (up to {JobLimits.MaxTaskCount:N0} inputs, {JobLimits.MaxNdjsonBodyBytes / (1024 * 1024)} MiB).")
            .Accepts<SubmitJobRequest>("application/json", JobLimits.NdjsonContentType)
            .WithMetadata(new RequestSizeLimitAttribute(JobLimits.MaxRequestBodyBytes));
        api.MapGet("/", ListJobsAsync).WithName("ListJobs").WithSummary("List jobs, newest first");
        api.MapGet("/{id:guid}", GetJobAsync).WithName("GetJob").WithSummary("Get a job with its task counts");
        api.MapGet("/{id:guid}/tasks", ListJobTasksAsync).WithName("ListJobTasks").WithSummary("List a job's tasks in order");
        api.MapGet("/{id:guid}/results", JobResultsApi.StreamResultsAsync).WithName("GetJobResults")
            .WithSummary("Stream a job's task results as NDJSON, in task order")
            .WithDescription("One line per task: its index, id, status, and its result once it succeeded or its error once it failed. " +
                "The stream holds the tasks as they are when it is read; to resume after a dropped connection, pass the last index read as ?after=.")
            .Produces<TaskResultLine>(StatusCodes.Status200OK, JobResultsApi.ContentType);
        api.MapGet("/{id:guid}/timeline", GetTimelineAsync).WithName("GetJobTimeline")
            .WithSummary("List a job's attempts, oldest first: which worker ran which task, when, and how it ended");
        api.MapPost("/{id:guid}/cancel", CancelJobAsync).WithName("CancelJob")
            .WithSummary("Cancel a job: its unfinished tasks are cancelled, running ones stop at their next heartbeat");
        api.MapPost("/{id:guid}/retry", RetryJobAsync).WithName("RetryJob")
            .WithSummary("Run a finished job's failed, dead-lettered and cancelled tasks again");
        api.MapDelete("/{id:guid}", DeleteJobAsync).WithName("DeleteJob")
            .WithSummary("Delete a finished job with its tasks, attempts and results")
            .WithDescription("Finished jobs are also deleted by themselves once their tenant's retention (jobRetentionDays) has passed. An unfinished job is 409: cancel it first.");
        return app;
    }

    /// <summary>The most attempts one timeline request returns.</summary>
    public const int MaxTimelineLimit = 20_000;

    /// <summary>The attempts a timeline request returns when it does not say.</summary>
    public const int DefaultTimelineLimit = 5_000;

    public static async Task<Results<Ok<PagedResponse<JobResponse>>, ValidationProblem>> ListJobsAsync(
        [AsParameters] JobServices services, int? page, int? pageSize, string? status, string? name, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var paging = Paging.Read(page, pageSize, errors);
        if (status is not null && !JobStatus.All.Contains(status))
        {
            errors["status"] = [$"Unknown job status '{status}'. Use one of: {string.Join(", ", JobStatus.All)}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
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
            .Skip(paging.Skip).Take(paging.Size)
            .ToListAsync(ct);
        var counts = await services.Db.CountTasksAsync(jobs.Select(j => j.Id).ToList(), ct);

        return TypedResults.Ok(paging.Of(jobs.Select(j => j.ToResponse(counts[j.Id])).ToList(), total));
    }

    public static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> GetJobAsync(
        Guid id, [AsParameters] JobServices services, Catalogue.TaskCatalogue catalogue, CancellationToken ct)
    {
        var job = await services.Db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return JobNotFound(id);
        }
        var counts = await services.Db.CountTasksAsync([id], ct);
        var notice = job.FinishedAt is null ? await catalogue.NoticeForAsync(job.Type, job.Queue, ct) : null;
        return TypedResults.Ok(job.ToResponse(counts[id]) with { Notice = notice });
    }

    public static async Task<Results<Ok<PagedResponse<TaskResponse>>, ValidationProblem, ProblemHttpResult>> ListJobTasksAsync(
        Guid id, [AsParameters] JobServices services, int? page, int? pageSize, string? status, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var paging = Paging.Read(page, pageSize, errors);
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
        var query = services.Db.Tasks.AsNoTracking().Where(t => t.JobId == id);
        if (status is not null)
        {
            query = query.Where(t => t.Status == status);
        }
        var total = await query.LongCountAsync(ct);
        var tasks = await query.OrderBy(t => t.Index).Skip(paging.Skip).Take(paging.Size).ToListAsync(ct);

        return TypedResults.Ok(paging.Of(tasks.Select(t => t.ToResponse()).ToList(), total));
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

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteJobAsync(
        Guid id, [AsParameters] JobServices services, Retention retention, CancellationToken ct)
    {
        switch (await retention.DeleteJobAsync(services.Tenant.RequiredId, id, ct))
        {
            case DeleteJobOutcome.Deleted deleted:
                services.Logger.LogInformation("Job {JobId} deleted with its {Tasks} tasks", id, deleted.Tasks);
                services.Metrics.Pruned(jobs: 1, tasks: deleted.Tasks, idempotencyKeys: 0, deadLetters: 0);
                return TypedResults.NoContent();
            case DeleteJobOutcome.Unfinished unfinished:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The job cannot be deleted.",
                    detail: $"Job {id} is {unfinished.Status} and not finished; cancel it first, or wait for it to finish.",
                    extensions: new Dictionary<string, object?> { ["jobStatus"] = unfinished.Status });
            default:
                return JobNotFound(id);
        }
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
            case JobCommandOutcome.Expired:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                    title: $"The job cannot be {verb}.", detail: $"Job {id} finished longer ago than its tenant's retention and is being deleted. Submit it again instead.");
            default:
                var job = await services.Db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id, ct);
                var counts = await services.Db.CountTasksAsync([id], ct);
                return TypedResults.Ok(job.ToResponse(counts[id]));
        }
    }

    internal static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    internal static ProblemHttpResult JobNotFound(Guid id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Job not found.", detail: $"There is no job {id}.");
}
