using JobPlatform.Api.Data;
using JobPlatform.Api.Domain;
using JobPlatform.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace JobPlatform.Api.Apis;

public static class TasksApi
{
    public static IEndpointRouteBuilder MapTasksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/tasks").WithTags("Tasks");
        api.MapGet("/{id:guid}", GetTaskAsync).WithName("GetTask").WithSummary("Get a task with its attempts");
        api.MapPost("/{id:guid}/retry", RetryTaskAsync).WithName("RetryTask")
            .WithSummary("Run a failed, dead-lettered or cancelled task again");
        return app;
    }

    public static async Task<Results<Ok<TaskResponse>, ProblemHttpResult>> GetTaskAsync(
        Guid id, [AsParameters] JobServices services, CancellationToken ct)
    {
        var task = await services.Db.Tasks.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id && t.TenantId == Tenants.Default, ct);
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
        var jobId = await services.Db.Tasks.Where(t => t.Id == id && t.TenantId == Tenants.Default).Select(t => (Guid?)t.JobId).SingleOrDefaultAsync(ct);
        if (jobId is null)
        {
            return TaskNotFound(id);
        }
        switch (await services.Store.RetryTaskAsync(jobId.Value, id, Tenants.Default, ct))
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
