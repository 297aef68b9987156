using JobPlatform.Api.Identity;
using JobPlatform.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JobPlatform.Api.Apis;

public static class TaskTypesApi
{
    public static IEndpointRouteBuilder MapTaskTypesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/task-types", ListTaskTypes)
            .WithTags("Task types")
            .WithName("ListTaskTypes")
            .RequireAuthorization(Policies.Tenant)
            .WithSummary("List the task types a job can have, with their parameters, bounds and defaults");
        return app;
    }

    public static Ok<IReadOnlyList<TaskTypeDefinition>> ListTaskTypes() => TypedResults.Ok(TaskTypes.All);
}
