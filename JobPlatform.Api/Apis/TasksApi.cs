using JobPlatform.Api.Lifecycle;
using JobPlatform.Api.Data;
using JobPlatform.Api.Identity;
using JobPlatform.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace JobPlatform.Api.Apis;

public static class TasksApi
{
    public static IEndpointRouteBuilder MapTasksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/tasks").WithTags("Tasks").RequireAuthorization(Policies.Tenant);
        api.MapGet("/", ListTasksAsync).WithName("ListTasks")
            .WithSummary("List tasks across jobs in the given statuses (for example failed and dead_lettered), the most recently finished first");
        api.MapGet("/{id:guid}", GetTaskAsync).WithName("GetTask").WithSummary("Get a task with its attempts");
        api.MapPost("/{id:guid}/retry", RetryTaskAsync).WithName("RetryTask")
            .WithSummary("Run a failed, dead-lettered or cancelled task again");
        return app;
    }

    public static async Task<Results<Ok<PagedResponse<TaskResponse>>, ValidationProblem>> ListTasksAsync(
        [AsParameters] JobServices services, string[] status, int? page, int? pageSize, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var paging = Paging.Read(page, pageSize, errors);
        var unknown = status.Where(s => !JobTaskStatus.All.Contains(s)).ToList();
        if (status.Length == 0)
        {
            errors["status"] = [$"Name one or more statuses, for example ?status=failed&status=dead_lettered. Use: {string.Join(", ", JobTaskStatus.All)}."];
        }
        else if (unknown.Count > 0)
        {
            errors["status"] = [$"Unknown task status '{unknown[0]}'. Use one of: {string.Join(", ", JobTaskStatus.All)}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return TypedResults.Ok(await ListInStatusesAsync(services.Db, status, paging, ct));
    }

    /// <summary>
    /// The caller's tasks (the context's tenant filter) in <paramref name="status"/>, the most recently
    /// finished first, with their jobs' names. Its statements use indexes whatever other tenants
    /// store (QueryPlanTests).
    /// </summary>
    public static async Task<PagedResponse<TaskResponse>> ListInStatusesAsync(JobsDbContext db, string[] status, Paging paging, CancellationToken ct)
    {
        var query = db.Tasks.AsNoTracking()
            .Where(t => status.Contains(t.Status))
            .Join(db.Jobs, t => t.JobId, j => j.Id, (t, j) => new { Task = t, JobName = j.Name });
        var total = await query.LongCountAsync(ct);
        var rows = await query
            .OrderByDescending(x => x.Task.FinishedAt ?? x.Task.UpdatedAt).ThenBy(x => x.Task.Id)
            .Skip(paging.Skip).Take(paging.Size)
            .ToListAsync(ct);
        return paging.Of(rows.Select(x => x.Task.ToResponse(jobName: x.JobName)).ToList(), total);
    }

    public static async Task<Results<Ok<TaskResponse>, ProblemHttpResult>> GetTaskAsync(
        Guid id, [AsParameters] JobServices services, CancellationToken ct)
    {
        var task = await services.Db.Tasks.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, ct);
        if (task is null)
        {
            return TaskNotFound(id);
        }
        var attempts = await services.Db.TaskAttempts.AsNoTracking()
            .Where(a => a.TaskId == id).OrderBy(a => a.Number).ThenBy(a => a.StartedAt)
            .ToListAsync(ct);
        return TypedResults.Ok(task.ToResponse(attempts));
    }

    public static async Task<Results<Ok<TaskResponse>, ProblemHttpResult>> RetryTaskAsync(
        Guid id, [AsParameters] JobServices services, CancellationToken ct)
    {
        var jobId = await services.Db.Tasks.Where(t => t.Id == id).Select(t => (Guid?)t.JobId).SingleOrDefaultAsync(ct);
        if (jobId is null)
        {
            return TaskNotFound(id);
        }
        switch (await services.Commands.RetryTaskAsync(services.Tenant.RequiredId, jobId.Value, id, ct))
        {
            case JobCommandOutcome.Refused refused:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                    title: "The task cannot be retried.",
                    detail: $"Task {id} is {refused.Status}; only failed, dead-lettered or cancelled tasks can run again.",
                    extensions: new Dictionary<string, object?> { ["taskStatus"] = refused.Status });
            case JobCommandOutcome.NotFound:
                return TaskNotFound(id);
            default:
                var task = await services.Db.Tasks.AsNoTracking().SingleAsync(t => t.Id == id, ct);
                return TypedResults.Ok(task.ToResponse());
        }
    }

    internal static ProblemHttpResult TaskNotFound(Guid id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Task not found.", detail: $"There is no task {id}.");
}
