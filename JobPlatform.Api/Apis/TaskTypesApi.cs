using JobPlatform.Api.Catalogue;
using JobPlatform.Api.Identity;
using JobPlatform.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JobPlatform.Api.Apis;

public static class TaskTypesApi
{
    public static IEndpointRouteBuilder MapTaskTypesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/task-types", ListTaskTypesAsync)
            .WithTags("Task types")
            .WithName("ListTaskTypes")
            .RequireAuthorization(Policies.Tenant)
            .WithSummary("List the task types a job can have (those workers registered), with their input schemas and the replicas that run them");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<TaskTypeResponse>>> ListTaskTypesAsync(TaskCatalogue catalogue, CancellationToken ct) =>
        TypedResults.Ok(await catalogue.ListAsync(ct));
}
