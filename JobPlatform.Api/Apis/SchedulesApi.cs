using System.Text.Json;
using System.Text.Json.Nodes;
using JobPlatform.Api.Catalogue;
using JobPlatform.Api.Data;
using JobPlatform.Api.Identity;
using JobPlatform.Api.Scheduling;
using JobPlatform.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace JobPlatform.Api.Apis;

/// <summary>
/// /api/v1/schedules: a tenant's recurring jobs. The firing itself is <see cref="ScheduleFiring"/>'s;
/// these endpoints keep the schedules and say when they fire next.
/// </summary>
public static class SchedulesApi
{
    public static IEndpointRouteBuilder MapSchedulesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/schedules").WithTags("Schedules").RequireAuthorization(Policies.Tenant);
        api.MapPost("/", CreateScheduleAsync).WithName("CreateSchedule")
            .WithSummary("Create a schedule: a job submitted at every fire time of a cron expression")
            .WithDescription("Each firing submits the job with the Idempotency-Key schedule:{id}:{fire time}, so any number of Api replicas make one job per fire time. " +
                "A firing that the overlap policy, the tenant's rate limit or its cap on unfinished tasks stops is recorded as a skipped run with the reason. " +
                "A tenant has at most maxSchedules schedules (409 beyond).")
            .WithMetadata(new RequestSizeLimitAttribute(JobLimits.MaxRequestBodyBytes));
        api.MapGet("/", ListSchedulesAsync).WithName("ListSchedules").WithSummary("List schedules, oldest first");
        api.MapGet("/preview", PreviewAsync).WithName("PreviewSchedule")
            .WithSummary("The next fire times of a cron expression in a time zone, to check one before saving it");
        api.MapGet("/{id:guid}", GetScheduleAsync).WithName("GetSchedule")
            .WithSummary("Get a schedule with its next five fire times and its recent runs");
        api.MapPatch("/{id:guid}", UpdateScheduleAsync).WithName("UpdateSchedule")
            .WithSummary("Change a schedule: the fields given replace their values (pause and resume with paused)")
            .WithDescription("A resumed schedule fires from its next fire time on: the fire times passed while it was paused are not caught up.")
            .WithMetadata(new RequestSizeLimitAttribute(JobLimits.MaxRequestBodyBytes));
        api.MapDelete("/{id:guid}", DeleteScheduleAsync).WithName("DeleteSchedule")
            .WithSummary("Delete a schedule and its runs; the jobs it submitted stay");
        api.MapPost("/{id:guid}/trigger", TriggerScheduleAsync).WithName("TriggerSchedule")
            .WithSummary("Fire a schedule now, whatever its expression says, under its overlap policy; its next fire time stays");
        return app;
    }

    public static async Task<Results<Created<ScheduleResponse>, ValidationProblem, ProblemHttpResult>> CreateScheduleAsync(
        ScheduleRequest request, [AsParameters] ScheduleServices services, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors["name"] = ["name is required."];
        }
        var now = services.Clock.GetUtcNow();
        var cron = ScheduleCron.Parse(request.Cron, request.TimeZone, errors);
        if (request.Job is null)
        {
            errors["job"] = ["job is required: what POST /api/v1/jobs takes, for example {\"type\":\"noop\",\"taskCount\":10}."];
        }
        await CheckAsync(request, services, now, errors, ct);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The schedule is not valid.");
        }

        var tenantId = services.Tenant.RequiredId;
        var limit = await services.Db.Tenants.Where(t => t.Id == tenantId).Select(t => t.MaxSchedules).SingleOrDefaultAsync(ct) ?? services.Tenancy.Value.MaxSchedules;
        var inUse = await services.Db.Schedules.CountAsync(ct);
        if (inUse >= limit)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Too many schedules.",
                detail: $"The tenant has {inUse:N0} schedules and its limit (maxSchedules) is {limit:N0}. Delete a schedule first.",
                extensions: new Dictionary<string, object?> { ["limit"] = "maxSchedules", ["inUse"] = inUse, ["maximum"] = limit });
        }

        var paused = request.Paused ?? false;
        var schedule = new Schedule
        {
            Id = Guid.CreateVersion7(now),
            TenantId = tenantId,
            Name = request.Name!.Trim(),
            Cron = request.Cron!.Trim(),
            TimeZone = cron!.Zone.Id,
            Template = Template(request.Job!),
            Overlap = request.Overlap ?? OverlapPolicies.Skip,
            CatchUp = request.CatchUp ?? CatchUpPolicies.Skip,
            Paused = paused,
            NextFireAt = paused ? null : cron.NextAfter(now),
            CreatedAt = now,
            UpdatedAt = now,
        };
        services.Db.Schedules.Add(schedule);
        await services.Db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/schedules/{schedule.Id}", await DetailAsync(schedule, services, now, ct));
    }

    public static async Task<Results<Ok<PagedResponse<ScheduleResponse>>, ValidationProblem>> ListSchedulesAsync(
        [AsParameters] ScheduleServices services, int? page, int? pageSize, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var paging = Paging.Read(page, pageSize, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var query = services.Db.Schedules.AsNoTracking();
        var total = await query.LongCountAsync(ct);
        var schedules = await query.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).Skip(paging.Skip).Take(paging.Size).ToListAsync(ct);
        return TypedResults.Ok(paging.Of(schedules.Select(s => ToResponse(s)).ToList(), total));
    }

    public static async Task<Results<Ok<ScheduleResponse>, NotFound>> GetScheduleAsync(Guid id, [AsParameters] ScheduleServices services, CancellationToken ct)
    {
        var schedule = await services.Db.Schedules.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, ct);
        return schedule is null ? TypedResults.NotFound() : TypedResults.Ok(await DetailAsync(schedule, services, services.Clock.GetUtcNow(), ct));
    }

    public static async Task<Results<Ok<ScheduleResponse>, NotFound, ValidationProblem>> UpdateScheduleAsync(
        Guid id, ScheduleRequest request, [AsParameters] ScheduleServices services, CancellationToken ct)
    {
        var schedule = await services.Db.Schedules.SingleOrDefaultAsync(s => s.Id == id, ct);
        if (schedule is null)
        {
            return TypedResults.NotFound();
        }
        var errors = new Dictionary<string, string[]>();
        if (request.Name is not null && string.IsNullOrWhiteSpace(request.Name))
        {
            errors["name"] = ["name cannot be empty."];
        }
        var now = services.Clock.GetUtcNow();
        var cron = ScheduleCron.Parse(request.Cron ?? schedule.Cron, request.TimeZone ?? schedule.TimeZone, errors);
        await CheckAsync(request, services, now, errors, ct);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The schedule is not valid.");
        }

        var timing = request.Cron is not null || request.TimeZone is not null || (request.Paused is { } paused && paused != schedule.Paused);
        schedule.Name = request.Name?.Trim() ?? schedule.Name;
        schedule.Cron = request.Cron?.Trim() ?? schedule.Cron;
        schedule.TimeZone = cron!.Zone.Id;
        schedule.Template = request.Job is null ? schedule.Template : Template(request.Job);
        schedule.Overlap = request.Overlap ?? schedule.Overlap;
        schedule.CatchUp = request.CatchUp ?? schedule.CatchUp;
        schedule.Paused = request.Paused ?? schedule.Paused;
        if (timing)
        {
            // From now on: a resumed schedule does not catch up what it missed while paused.
            schedule.NextFireAt = schedule.Paused ? null : cron.NextAfter(now);
        }
        schedule.UpdatedAt = now;
        await services.Db.SaveChangesAsync(ct);
        return TypedResults.Ok(await DetailAsync(schedule, services, now, ct));
    }

    public static async Task<Results<NoContent, NotFound>> DeleteScheduleAsync(Guid id, [AsParameters] ScheduleServices services, CancellationToken ct) =>
        await services.Db.Schedules.Where(s => s.Id == id).ExecuteDeleteAsync(ct) == 0 ? TypedResults.NotFound() : TypedResults.NoContent();

    public static async Task<Results<Ok<ScheduleRunResponse>, NotFound>> TriggerScheduleAsync(
        Guid id, [AsParameters] ScheduleServices services, ScheduleFiring firing, CancellationToken ct)
    {
        var run = await firing.TriggerAsync(services.Tenant.RequiredId, id, ct);
        if (run is null)
        {
            return TypedResults.NotFound();
        }
        var status = run.JobId is { } jobId ? await services.Db.Jobs.Where(j => j.Id == jobId).Select(j => j.Status).SingleOrDefaultAsync(ct) : null;
        return TypedResults.Ok(ToResponse(run, status));
    }

    public static Results<Ok<SchedulePreviewResponse>, ValidationProblem> PreviewAsync(string? cron, string? timeZone, TimeProvider clock)
    {
        var errors = new Dictionary<string, string[]>();
        var parsed = ScheduleCron.Parse(cron, timeZone, errors);
        if (parsed is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The schedule is not valid.");
        }
        return TypedResults.Ok(new SchedulePreviewResponse(cron!.Trim(), parsed.Zone.Id, parsed.Next(clock.GetUtcNow(), ScheduleLimits.PreviewCount)));
    }

    /// <summary>The checks a create and an update share, on the fields given.</summary>
    private static async Task CheckAsync(ScheduleRequest request, ScheduleServices services, DateTimeOffset now, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        if (request.Name is { Length: > ScheduleLimits.MaxNameLength })
        {
            errors["name"] = [$"name is at most {ScheduleLimits.MaxNameLength} characters."];
        }
        else if (StoredText.HasNul(request.Name))
        {
            errors["name"] = [StoredText.NulError("name")];
        }
        if (request.Overlap is not null && !OverlapPolicies.All.Contains(request.Overlap))
        {
            errors["overlap"] = [$"Unknown overlap policy '{request.Overlap}'. Use one of: {string.Join(", ", OverlapPolicies.All)}."];
        }
        if (request.CatchUp is not null && !CatchUpPolicies.All.Contains(request.CatchUp))
        {
            errors["catchUp"] = [$"Unknown catch-up policy '{request.CatchUp}'. Use one of: {string.Join(", ", CatchUpPolicies.All)}."];
        }
        if (request.Job is not { } job)
        {
            return;
        }
        if (job.RunAt is not null || job.Delay is not null)
        {
            errors[job.RunAt is null ? "job.delay" : "job.runAt"] = ["A schedule's job runs when the schedule fires: leave out runAt and delay."];
        }
        if (StoredText.FindNul(JsonSerializer.SerializeToNode(job, JsonSerializerOptions.Web), "job") is { } nul)
        {
            errors[nul] = [StoredText.NulError(nul)];
            return;
        }
        // Checked as POST /jobs checks it now; a firing checks it again, against the types registered then.
        var registered = TaskTypeNames.IsValid(job.Type) ? await services.Catalogue.FindAsync(job.Type!, ct) : null;
        var (_, jobErrors) = SubmitJobApi.Prepare(job, registered, services.Tenant.RequiredId, now);
        foreach (var (field, messages) in jobErrors)
        {
            errors[$"job.{field}"] = messages;
        }
    }

    private static JsonObject Template(SubmitJobRequest job) => JsonSerializer.SerializeToNode(job, JsonSerializerOptions.Web)!.AsObject();

    /// <summary>A schedule with its next fire times and recent runs (with their jobs' statuses now).</summary>
    private static async Task<ScheduleResponse> DetailAsync(Schedule schedule, ScheduleServices services, DateTimeOffset now, CancellationToken ct)
    {
        var runs = await services.Db.ScheduleRuns.AsNoTracking().Where(r => r.ScheduleId == schedule.Id)
            .OrderByDescending(r => r.FireTime).ThenByDescending(r => r.Id).Take(ScheduleLimits.RecentRuns).ToListAsync(ct);
        var jobIds = runs.Where(r => r.JobId is not null).Select(r => r.JobId!.Value).ToList();
        var statuses = await services.Db.Jobs.Where(j => jobIds.Contains(j.Id)).ToDictionaryAsync(j => j.Id, j => j.Status, ct);
        var errors = new Dictionary<string, string[]>();
        var next = ScheduleCron.Parse(schedule.Cron, schedule.TimeZone, errors)?.Next(now, ScheduleLimits.PreviewCount) ?? [];
        return ToResponse(schedule, next, runs.Select(r => ToResponse(r, r.JobId is { } id ? statuses.GetValueOrDefault(id) : null)).ToList());
    }

    private static ScheduleResponse ToResponse(Schedule s, IReadOnlyList<DateTimeOffset>? next = null, IReadOnlyList<ScheduleRunResponse>? runs = null) => new(
        s.Id, s.Name, s.Cron, s.TimeZone, s.Template.Deserialize<SubmitJobRequest>(JsonSerializerOptions.Web)!, s.Overlap, s.CatchUp, s.Paused,
        s.NextFireAt, s.LastFireAt, s.CreatedAt, s.UpdatedAt, next, runs);

    private static ScheduleRunResponse ToResponse(ScheduleRun r, string? jobStatus) =>
        new(r.Id, r.FireTime, r.FiredAt, r.Outcome, r.JobId, jobStatus, r.Reason, r.Manual);
}

/// <summary>What the schedule endpoints need, as one <c>[AsParameters]</c> bundle.</summary>
public sealed class ScheduleServices(JobsDbContext db, TaskCatalogue catalogue, TimeProvider clock, CurrentTenant tenant, IOptions<TenancyOptions> tenancy)
{
    public JobsDbContext Db { get; } = db;
    public TaskCatalogue Catalogue { get; } = catalogue;
    public TimeProvider Clock { get; } = clock;

    /// <summary>The caller's tenant. Queries are filtered to it already; new schedules are stamped with it.</summary>
    public CurrentTenant Tenant { get; } = tenant;
    public IOptions<TenancyOptions> Tenancy { get; } = tenancy;
}
