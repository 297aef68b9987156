using JobPlatform.Api.Domain;
using JobPlatform.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace JobPlatform.Api.Apis;

public static class TasksApi
{
    public static IEndpointRouteBuilder MapTasksApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/tasks").WithTags("Tasks")
            .MapGet("/{id:guid}", GetTaskAsync).WithName("GetTask").WithSummary("Get a task");
        return app;
    }

    public static async Task<Results<Ok<TaskResponse>, ProblemHttpResult>> GetTaskAsync(
        Guid id, [AsParameters] JobServices services, CancellationToken ct)
    {
        var task = await services.Db.Tasks.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id && t.TenantId == Tenants.Default, ct);
        return task is null ? TaskNotFound(id) : TypedResults.Ok(task.ToResponse());
    }

    internal static ProblemHttpResult TaskNotFound(Guid id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Task not found.", detail: $"There is no task {id}.");
}
