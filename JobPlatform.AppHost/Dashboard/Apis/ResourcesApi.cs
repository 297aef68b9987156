using JobPlatform.AppHost.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace JobPlatform.AppHost.Dashboard.Apis;

public sealed record ResourceResponse(string Name, ResourceKind Kind, ResourceState State, IReadOnlyList<string> Urls, IReadOnlyList<ReplicaResponse> Replicas);

/// <param name="Url">The replica's own address (a project's health and metrics), when it has one.</param>
public sealed record ReplicaResponse(string Name, int? Pid, DateTimeOffset? StartedAt, double? UptimeSeconds, int Restarts, ReplicaHealth Health, string? Url);

public sealed record RestartResponse(string Replica, int Pid);

internal static class ResourcesApi
{
    public static IEndpointRouteBuilder MapResourcesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/resources");
        api.MapGet("/", GetResources).WithName("GetResources").WithSummary("Every resource of the graph with its state, addresses and replicas.");
        api.MapPost("/{replica}/restart", RestartReplica).WithName("RestartReplica")
            .WithSummary("Sends a replica its stop signal (SIGTERM); its supervisor starts it again, as a rolling restart would.");
        return app;
    }

    private static Ok<List<ResourceResponse>> GetResources([AsParameters] DashboardServices services)
    {
        var now = services.Clock.GetUtcNow();
        return TypedResults.Ok(services.Catalog.Resources.Select(resource => new ResourceResponse(
            resource.Name,
            ResourceCatalog.KindOf(resource),
            resource.Runnable.State,
            ResourceCatalog.UrlsOf(resource),
            [.. ResourceCatalog.ReplicasOf(resource).Select(replica => new ReplicaResponse(
                replica.Process.Name,
                replica.Process.ProcessId,
                replica.Process.StartedAt,
                replica.Process.StartedAt is { } started ? Math.Round((now - started).TotalSeconds, 1) : null,
                replica.Process.Restarts,
                services.Health.HealthOf(replica),
                replica.Url?.ToString().TrimEnd('/')))])).ToList());
    }

    private static Results<Accepted<RestartResponse>, ProblemHttpResult> RestartReplica(string replica, [AsParameters] DashboardServices services)
    {
        if (services.Catalog.FindReplica(replica) is not { } found)
        {
            return TypedResults.Problem(title: "No such replica", detail: $"No resource runs a replica named '{replica}'.", statusCode: StatusCodes.Status404NotFound);
        }
        if (found.Process.ProcessId is not { } pid)
        {
            return TypedResults.Problem(title: "Replica not running", detail: $"'{replica}' has no process right now (stopped, or waiting to restart).", statusCode: StatusCodes.Status409Conflict);
        }
        found.Process.Terminate();
        services.Log.Info(replica, $"restart requested from the dashboard (SIGTERM to pid {pid})");
        return TypedResults.Accepted((string?)null, new RestartResponse(replica, pid));
    }
}
