using System.Globalization;
using System.Security.Claims;
using JobPlatform.Api.Data;
using JobPlatform.Api.Identity;
using JobPlatform.Api.Services;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace JobPlatform.Api.Apis;

public static class EventsApi
{
    /// <summary>
    /// The Retry-After of a stream refused for the tenant's cap. A stream ends when its client goes,
    /// which no clock predicts; this is a polite wait.
    /// </summary>
    public static readonly TimeSpan StreamCapRetryAfter = TimeSpan.FromSeconds(5);

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
                "Changes are coalesced: a job is sent at most once per JobEvents:CoalesceInterval. Pass jobId for one job's events only. " +
                "A tenant may have maxEventStreams (its limits; Tenancy:MaxEventStreams, 20, by default) streams open at once on each Api replica; " +
                "past that the answer is 429 with Retry-After. A stream follows its credential: it ends when its token expires, " +
                "and within a few seconds (Auth:CredentialCheckInterval plus Auth:CredentialCacheDuration) of its key's revocation; " +
                "connecting again with that credential is then 401.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    public static async Task<Results<ServerSentEventsResult<string>, ProblemHttpResult, TooManyRequestsResult>> StreamEventsAsync(
        Guid? jobId, [AsParameters] EventStreamServices services, HttpContext http, CancellationToken ct)
    {
        if (jobId is { } id && !await services.Db.Jobs.AnyAsync(j => j.Id == id, ct))
        {
            return JobsApi.JobNotFound(jobId.Value);
        }
        var tenant = services.Tenant.RequiredId;
        var maxStreams = int.Parse(http.User.FindFirstValue(JobPlatformClaims.MaxEventStreams)!, CultureInfo.InvariantCulture);
        if (services.Broadcaster.TrySubscribe(tenant, jobId, maxStreams, out var open) is not { } subscription)
        {
            return TooManyRequests.Result(StreamCapRetryAfter, "Too many event streams.",
                seconds => $"Tenant '{tenant}' has {open} event streams open on this Api replica, its limit (maxEventStreams) is {maxStreams}. " +
                    $"Close one, or retry after {seconds} s.");
        }
        // Disposed however the stream ends, so the tenant's count of open streams goes down with it.
        http.Response.RegisterForDispose(subscription);
        // A stream never ends by itself: end it when the Api stops, or shutdown would wait for every
        // open console (the browser's EventSource reconnects to another replica), and when its
        // credential stops holding, or a revoked key or an expired token would keep receiving.
        var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct, services.Lifetime.ApplicationStopping);
        http.Response.RegisterForDispose(stopping);
        var credential = services.Credentials.Watch(http.User, stopping.Token);
        http.Response.RegisterForDispose(credential);
        return TypedResults.ServerSentEvents(subscription.ReadAllAsync(services.Options.Value.KeepAliveInterval, credential.Ended));
    }
}

/// <summary>What the event stream needs, as one <c>[AsParameters]</c> bundle.</summary>
public sealed class EventStreamServices(
    JobsDbContext db,
    CurrentTenant tenant,
    JobEventBroadcaster broadcaster,
    CredentialWatch credentials,
    IOptions<JobEventsOptions> options,
    IHostApplicationLifetime lifetime)
{
    public JobsDbContext Db { get; } = db;

    /// <summary>The caller's tenant; the stream carries its jobs only.</summary>
    public CurrentTenant Tenant { get; } = tenant;
    public JobEventBroadcaster Broadcaster { get; } = broadcaster;
    public CredentialWatch Credentials { get; } = credentials;
    public IOptions<JobEventsOptions> Options { get; } = options;
    public IHostApplicationLifetime Lifetime { get; } = lifetime;
}
