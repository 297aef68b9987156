using System.Text.Json;
using System.Text.Json.Nodes;
using JobPlatform.Api.Apis;
using JobPlatform.Api.Catalogue;
using JobPlatform.Api.Data;
using JobPlatform.Api.Identity;
using JobPlatform.Api.Lifecycle;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace JobPlatform.Api.Scheduling;

/// <summary>
/// Fires schedules: the only code that moves a schedule's next fire time or records its runs. Each
/// firing submits the schedule's job with the Idempotency-Key <c>schedule:{id}:{fire time}</c>, so a
/// fire time makes one job however many Api replicas look at it, and a firing cut off before it was
/// recorded makes the same job again when it is retried. A firing that its overlap policy, its
/// tenant's rate limit or cap on unfinished tasks, or a template no longer valid stops is recorded as
/// skipped, with the reason.
/// </summary>
public sealed class ScheduleFiring(
    NpgsqlDataSource dataSource,
    Submission submission,
    TaskCatalogue catalogue,
    JobCommands commands,
    TenantRateLimiter rateLimiter,
    IOptions<TenancyOptions> tenancy,
    Services.ApiMetrics metrics,
    TimeProvider clock,
    ILogger<ScheduleFiring> logger)
{
    private const string Columns =
        "s.id, s.tenant_id, s.name, s.cron, s.time_zone, s.template::text, s.overlap, s.catch_up, s.next_fire_at, s.last_job_id, t.rate_limit_per_minute, t.rate_limit_burst";

    /// <summary>
    /// Fires the schedules due now (up to <paramref name="batchSize"/>; each replica takes others
    /// than the rest, <c>SKIP LOCKED</c>), and says when the next one is due (null when none is).
    /// </summary>
    public async Task<DateTimeOffset?> FireDueAsync(int batchSize, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            // The schedules stay locked until their runs and next fire times commit: another
            // replica skips them meanwhile, and finds them due no more once this commits.
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var due = await ReadAsync(connection, transaction,
                "NOT s.paused AND s.next_fire_at <= @now ORDER BY s.next_fire_at LIMIT @batch FOR UPDATE OF s SKIP LOCKED",
                [new("now", now), new("batch", batchSize)], ct);
            var runs = new List<ScheduleRun>();
            var moves = new List<(Guid Id, DateTimeOffset? Next, DateTimeOffset? Last, Guid? LastJob)>();
            foreach (var schedule in due)
            {
                var errors = new Dictionary<string, string[]>();
                var plan = ScheduleCron.Parse(schedule.Cron, schedule.TimeZone, errors)?.Plan(schedule.NextFireAt!.Value, now, schedule.CatchUp)
                    ?? new FiringPlan([new PlannedFiring(schedule.NextFireAt!.Value, true, $"The schedule cannot be read: {string.Join(" ", errors.Values.SelectMany(e => e))}")], null);
                var lastJob = schedule.LastJobId;
                DateTimeOffset? last = null;
                foreach (var planned in plan.Firings)
                {
                    var run = await FireAsync(schedule with { LastJobId = lastJob }, planned, manual: false, ct);
                    metrics.Fired(run.Outcome, run.FiredAt - run.FireTime);
                    runs.Add(run);
                    (lastJob, last) = (run.JobId ?? lastJob, planned.FireTime);
                }
                moves.Add((schedule.Id, plan.NextFireAt, last, lastJob));
            }
            if (due.Count > 0)
            {
                await RecordAsync(connection, transaction, runs, moves, ct);
            }
            await transaction.CommitAsync(ct);
        }

        await using var next = dataSource.CreateCommand("SELECT min(next_fire_at) FROM schedules WHERE NOT paused");
        return await next.ExecuteScalarAsync(ct) is DateTime soonest ? new DateTimeOffset(soonest, TimeSpan.Zero) : null;
    }

    /// <summary>
    /// Fires a tenant's schedule now, whatever its cron expression says (POST /schedules/{id}/trigger),
    /// under its overlap policy and its tenant's limits; its next fire time stays. Null when the
    /// tenant has no such schedule.
    /// </summary>
    public async Task<ScheduleRun?> TriggerAsync(string tenantId, Guid scheduleId, CancellationToken ct)
    {
        // Whole milliseconds, as PostgreSQL keeps them: the key of a retried trigger is the same.
        var now = DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var found = await ReadAsync(connection, transaction, "s.id = @id AND s.tenant_id = @tenant FOR UPDATE OF s",
            [new("id", scheduleId), new("tenant", tenantId)], ct);
        if (found.Count == 0)
        {
            return null;
        }
        var schedule = found[0];
        var run = await FireAsync(schedule, new PlannedFiring(now, Skipped: false, Reason: null), manual: true, ct);
        await RecordAsync(connection, transaction, [run], [(schedule.Id, schedule.NextFireAt, now, run.JobId ?? schedule.LastJobId)], ct);
        await transaction.CommitAsync(ct);
        return run;
    }

    /// <summary>One firing: the overlap policy, the rate limit, then the submission; never throws for what the tenant's data says.</summary>
    private async Task<ScheduleRun> FireAsync(DueSchedule schedule, PlannedFiring planned, bool manual, CancellationToken ct)
    {
        var firedAt = clock.GetUtcNow();
        ScheduleRun Run(string outcome, Guid? jobId, string? reason) => new()
        {
            ScheduleId = schedule.Id,
            TenantId = schedule.TenantId,
            FireTime = planned.FireTime,
            FiredAt = firedAt,
            Outcome = outcome,
            JobId = jobId,
            Reason = reason,
            Manual = manual,
        };
        ScheduleRun Skipped(string reason) => Run(ScheduleRunOutcomes.Skipped, null, reason);

        if (planned.Skipped)
        {
            return Skipped(planned.Reason!);
        }

        if (schedule.LastJobId is { } previous && schedule.Overlap != OverlapPolicies.Allow
            && await UnfinishedStatusAsync(previous, ct) is { } previousStatus)
        {
            if (schedule.Overlap == OverlapPolicies.Skip)
            {
                return Skipped($"The previous run's job {previous} is still {previousStatus}; overlap policy skip.");
            }
            // cancel-previous: a job that finished meanwhile is refused, which is as good.
            await commands.CancelJobAsync(schedule.TenantId, previous, ct);
        }

        var perMinute = schedule.RateLimitPerMinute ?? tenancy.Value.RateLimitPerMinute;
        using (var lease = rateLimiter.TryAcquire(schedule.TenantId, perMinute, schedule.RateLimitBurst ?? tenancy.Value.RateLimitBurst))
        {
            if (!lease.IsAcquired)
            {
                return Skipped($"The tenant is over its rate limit of {perMinute:N0} requests a minute.");
            }
        }

        var template = JsonSerializer.Deserialize<SubmitJobRequest>(schedule.Template, JsonSerializerOptions.Web)!;
        // A job the template leaves unnamed is named after its schedule, so the jobs list says where it came from.
        template = string.IsNullOrWhiteSpace(template.Name) ? template with { Name = schedule.Name } : template;
        var registered = TaskTypeNames.IsValid(template.Type) ? await catalogue.FindAsync(template.Type!, ct) : null;
        var (job, errors) = SubmitJobApi.Prepare(template, registered, schedule.TenantId, firedAt);
        if (job is null)
        {
            return Skipped($"The schedule's job is not valid now: {string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}");
        }
        job.ScheduleId = schedule.Id;
        var key = $"schedule:{schedule.Id}:{planned.FireTime.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}";
        var outcome = await submission.SubmitAsync(job, SubmitJobApi.InputTexts(template), SubmitJobApi.Remember(job, key, SubmitJobApi.Fingerprint(template)), ct);
        switch (outcome)
        {
            case SubmitOutcome.Created:
                logger.LogInformation("Schedule {ScheduleId} fired for {FireTime:O}: job {JobId}", schedule.Id, planned.FireTime, job.Id);
                return Run(ScheduleRunOutcomes.Submitted, job.Id, planned.Reason);
            case SubmitOutcome.Replayed replayed:
                // An earlier firing of this fire time submitted the job and was cut off before it recorded it.
                var earlier = JsonSerializer.Deserialize<JobResponse>(replayed.Body, JsonSerializerOptions.Web)!;
                return Run(ScheduleRunOutcomes.Submitted, earlier.Id, planned.Reason);
            case SubmitOutcome.OverCap over:
                return Skipped($"The tenant has {over.InUse:N0} unfinished tasks and its limit (maxUnfinishedTasks) is {over.Limit:N0}; the job's {job.TaskCount:N0} tasks do not fit.");
            case SubmitOutcome.KeyReused:
                return Skipped($"The key {key} was used for another job (the schedule's job changed since this fire time fired).");
            case SubmitOutcome.InFlight:
                return Skipped($"Another firing of this fire time is in progress.");
            default:
                throw new InvalidOperationException($"Unexpected submission outcome {outcome}.");
        }
    }

    /// <summary>The job's status while it is unfinished; null once it finished, or if it is gone.</summary>
    private async Task<string?> UnfinishedStatusAsync(Guid jobId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT status FROM jobs WHERE id = @id AND NOT status = ANY(@final)");
        command.Parameters.AddWithValue("id", jobId);
        command.Parameters.AddWithValue("final", JobStatus.Final.ToArray());
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private static async Task<List<DueSchedule>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string where, NpgsqlParameter[] parameters, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM schedules s JOIN tenants t ON t.id = s.tenant_id WHERE {where}", connection, transaction);
        command.Parameters.AddRange(parameters);
        var schedules = new List<DueSchedule>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            schedules.Add(new DueSchedule(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.GetString(6), reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                reader.IsDBNull(9) ? null : reader.GetGuid(9), reader.IsDBNull(10) ? null : reader.GetInt32(10), reader.IsDBNull(11) ? null : reader.GetInt32(11)));
        }
        return schedules;
    }

    /// <summary>The runs and each schedule's next and last fire times and last job, in the transaction that holds the schedules.</summary>
    private static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<ScheduleRun> runs,
        List<(Guid Id, DateTimeOffset? Next, DateTimeOffset? Last, Guid? LastJob)> moves, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (runs.Count > 0)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                INSERT INTO schedule_runs (schedule_id, tenant_id, fire_time, fired_at, outcome, job_id, reason, manual)
                SELECT * FROM unnest(@schedules, @tenants, @fireTimes, @firedAt, @outcomes, @jobs, @reasons, @manual)
                RETURNING id
                """)
            {
                Parameters =
                {
                    new("schedules", runs.Select(r => r.ScheduleId).ToArray()),
                    new("tenants", runs.Select(r => r.TenantId).ToArray()),
                    new("fireTimes", runs.Select(r => r.FireTime).ToArray()),
                    new("firedAt", runs.Select(r => r.FiredAt).ToArray()),
                    new("outcomes", runs.Select(r => r.Outcome).ToArray()),
                    new("jobs", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = runs.Select(r => r.JobId).ToArray() },
                    new("reasons", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = runs.Select(r => r.Reason).ToArray() },
                    new("manual", runs.Select(r => r.Manual).ToArray()),
                },
            });
            // A schedule keeps its latest runs only: one that fires every second would otherwise grow without end.
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                DELETE FROM schedule_runs r USING unnest(@schedules) AS u(id)
                WHERE r.schedule_id = u.id
                  AND r.fire_time < (SELECT k.fire_time FROM schedule_runs k WHERE k.schedule_id = u.id ORDER BY k.fire_time DESC OFFSET @keep LIMIT 1)
                """)
            {
                Parameters =
                {
                    new("schedules", runs.Select(r => r.ScheduleId).Distinct().ToArray()),
                    new("keep", ScheduleLimits.KeptRuns),
                },
            });
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            UPDATE schedules s SET next_fire_at = CASE WHEN s.paused THEN NULL ELSE u.next END,
                last_fire_at = coalesce(u.last, s.last_fire_at), last_job_id = u.last_job, updated_at = now()
            FROM unnest(@ids, @next, @last, @lastJobs) AS u(id, next, last, last_job)
            WHERE s.id = u.id
            """)
        {
            Parameters =
            {
                new("ids", moves.Select(m => m.Id).ToArray()),
                new("next", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = moves.Select(m => m.Next).ToArray() },
                new("last", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = moves.Select(m => m.Last).ToArray() },
                new("lastJobs", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = moves.Select(m => m.LastJob).ToArray() },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        // The runs' ids, in the order they were inserted.
        for (var i = 0; i < runs.Count && await reader.ReadAsync(ct); i++)
        {
            runs[i].Id = reader.GetInt64(0);
        }
    }

    private sealed record DueSchedule(Guid Id, string TenantId, string Name, string Cron, string TimeZone, string Template, string Overlap, string CatchUp,
        DateTimeOffset? NextFireAt, Guid? LastJobId, int? RateLimitPerMinute, int? RateLimitBurst);
}
