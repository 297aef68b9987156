using JobPlatform.Api.Data;
using JobPlatform.Api.Identity;
using JobPlatform.Api.Services;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace JobPlatform.Api.Apis;

public static class EventsApi
{
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/events", StreamEventsAsync)
            .WithTags("Events")
            .WithName("StreamEvents")
            .RequireAuthorization(Policies.Tenant)
            .WithSummary("Stream job and task changes as Server-Sent Events")
            .WithDescription(
                $"Events: '{JobEventBroadcaster.JobEvent}' (data: the job, as GET /jobs/{{id}} returns it), " +
                $"'{JobEventBroadcaster.TasksEvent}' (data: {{\"jobId\"}}; some of its tasks changed status), " +
                $"'{JobEventBroadcaster.ResyncEvent}' (changes may have been missed: refetch) and '{JobEventBroadcaster.PingEvent}' (keep-alive). " +
                "Changes are coalesced: a job is sent at most once per JobEvents:CoalesceInterval. Pass jobId for one job's events only.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return app;
    }

    public static async Task<Results<ServerSentEventsResult<string>, ProblemHttpResult>> StreamEventsAsync(
        Guid? jobId, JobsDbContext db, CurrentTenant tenant, JobEventBroadcaster broadcaster, IOptions<JobEventsOptions> options,
        IHostApplicationLifetime lifetime, HttpContext http, CancellationToken ct)
    {
        if (jobId is { } id && !await db.Jobs.AnyAsync(j => j.Id == id, ct))
        {
            return JobsApi.JobNotFound(jobId.Value);
        }
        var subscription = broadcaster.Subscribe(tenant.RequiredId, jobId);
        http.Response.RegisterForDispose(subscription);
        // A stream never ends by itself: end it when the Api stops, or shutdown would wait for every
        // open console. The browser's EventSource reconnects to another replica.
        var stream = CancellationTokenSource.CreateLinkedTokenSource(ct, lifetime.ApplicationStopping);
        http.Response.RegisterForDispose(stream);
        return TypedResults.ServerSentEvents(subscription.ReadAllAsync(options.Value.KeepAliveInterval, stream.Token));
    }
}
