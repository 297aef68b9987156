using JobPlatform.Api.Catalogue;
using JobPlatform.Api.Data;
using JobPlatform.Api.Identity;
using JobPlatform.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace JobPlatform.Api.Apis;

/// <summary>The worker replicas: each reports its presence; people list them.</summary>
public static class WorkersApi
{
    /// <summary>A replica silent for this long is shown as gone: three missed presence reports at the worker's default 5 s.</summary>
    public static readonly TimeSpan GoneAfter = TimeSpan.FromSeconds(15);

    /// <summary>Replicas silent for longer are no longer listed.</summary>
    public static readonly TimeSpan ListedFor = TimeSpan.FromMinutes(10);

    private const int MaxHostLength = 200;
    private const int MaxQueues = 50;
    private const int MaxIdLength = 200;

    public static IEndpointRouteBuilder MapWorkersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/workers").WithTags("Workers");
        api.MapGet("/", ListWorkersAsync).WithName("ListWorkers").RequireAuthorization(Policies.Tenant)
            .WithSummary("List the worker replicas seen in the last 10 minutes, with the caller's tasks each is running");
        api.MapPost("/{id}/presence", ReportPresenceAsync).WithName("ReportWorkerPresence").RequireAuthorization(Policies.Worker)
            .WithSummary("Say that a worker replica is alive, or stopping (workers only)");
        api.MapPost("/{id}/task-types", RegisterTaskTypesAsync).WithName("RegisterTaskTypes").RequireAuthorization(Policies.Worker)
            .WithSummary("Register the task types a worker replica runs, with their input schemas (workers only)");
        return app;
    }

    public static async Task<Results<NoContent, ValidationProblem>> ReportPresenceAsync(
        string id, WorkerPresenceRequest request, [AsParameters] JobServices services, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (id.Length > MaxIdLength)
        {
            errors["id"] = [$"A worker id is at most {MaxIdLength} characters."];
        }
        if (string.IsNullOrWhiteSpace(request.Host) || request.Host.Length > MaxHostLength)
        {
            errors["host"] = [$"host is required, at most {MaxHostLength} characters."];
        }
        if (request.Slots < 0)
        {
            errors["slots"] = ["slots must not be negative."];
        }
        if (request.CompletedLastMinute < 0)
        {
            errors["completedLastMinute"] = ["completedLastMinute must not be negative."];
        }
        if (request.TaskTypes is { } types && (types.Count > TaskCatalogue.MaxTypes || !types.All(TaskTypeNames.IsValid)))
        {
            errors["taskTypes"] = [$"taskTypes holds at most {TaskCatalogue.MaxTypes} task type names, each 1 to {TaskTypeNames.MaxLength} lower-case letters, digits, '.', '_' or '-'."];
        }
        if (request.Queues is { } queues && (queues.Count > MaxQueues || !queues.All(QueueNames.IsValid)))
        {
            errors["queues"] = [$"queues holds at most {MaxQueues} queue names. {QueueNames.Rule}"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var now = services.Clock.GetUtcNow();
        await services.Db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO workers (id, host, process_id, slots, started_at, last_heartbeat_at, completed_last_minute, stopped_at, task_types, queues)
            VALUES ({id}, {request.Host}, {request.ProcessId}, {request.Slots}, {request.StartedAt}, {now}, {request.CompletedLastMinute}, {(request.Stopping ? now : null)},
                    {(request.TaskTypes ?? []).ToArray()}, {(request.Queues ?? []).Distinct().ToArray()})
            ON CONFLICT (id) DO UPDATE SET host = excluded.host, process_id = excluded.process_id, slots = excluded.slots,
                started_at = excluded.started_at, last_heartbeat_at = excluded.last_heartbeat_at,
                completed_last_minute = excluded.completed_last_minute, stopped_at = excluded.stopped_at, task_types = excluded.task_types,
                queues = excluded.queues
            """, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, ValidationProblem>> RegisterTaskTypesAsync(
        string id, RegisterTaskTypesRequest request, TaskCatalogue catalogue, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > MaxIdLength)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = [$"A worker id is 1 to {MaxIdLength} characters."] });
        }
        var errors = await catalogue.RegisterAsync(id, request.Types, ct);
        return errors.Count > 0 ? TypedResults.ValidationProblem(errors, title: "The task types could not be registered.") : TypedResults.NoContent();
    }

    public static async Task<Ok<List<WorkerResponse>>> ListWorkersAsync([AsParameters] JobServices services, CancellationToken ct)
    {
        var now = services.Clock.GetUtcNow();
        var since = now - ListedFor;
        var workers = await services.Db.Workers.AsNoTracking()
            .Where(w => w.LastHeartbeatAt > since)
            .OrderBy(w => w.Id)
            .ToListAsync(ct);
        var ids = workers.Select(w => w.Id).ToList();
        var running = await services.Db.Tasks.AsNoTracking()
            .Where(t => t.Status == JobTaskStatus.Running && t.WorkerId != null && ids.Contains(t.WorkerId))
            .Join(services.Db.Jobs, t => t.JobId, j => j.Id, (t, j) => new { t.WorkerId, Task = new RunningTaskResponse(t.Id, t.JobId, j.Name, t.Index, t.Attempts, t.StartedAt) })
            .ToListAsync(ct);
        var byWorker = running.ToLookup(r => r.WorkerId!, r => r.Task);

        return TypedResults.Ok(workers.Select(w => new WorkerResponse(
            w.Id, w.Host, w.ProcessId, w.Slots, w.StartedAt, w.LastHeartbeatAt,
            Status: w.StoppedAt is not null ? WorkerStatus.Stopped : now - w.LastHeartbeatAt > GoneAfter ? WorkerStatus.Gone : WorkerStatus.Active,
            RunningTasks: w.StoppedAt is null ? byWorker[w.Id].OrderBy(t => t.StartedAt).ToList() : [],
            w.CompletedLastMinute,
            TasksPerSecond: Math.Round(w.CompletedLastMinute / 60.0, 2),
            Queues: w.Queues.Count == 0 ? [QueueNames.Default] : w.Queues)).ToList());
    }
}
