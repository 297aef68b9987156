using JobPlatform.Api.Catalogue;
using JobPlatform.Api.Identity;
using JobPlatform.Api.Lifecycle;
using JobPlatform.Api.Scheduling;
using JobPlatform.Api.Services;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace JobPlatform.Tests.Lifecycle;

/// <summary>
/// Schedules and delayed jobs on a database of their own and a fake clock: what fires, when, and
/// how often, without waiting for real minutes. Each <see cref="Replica"/> is one Api replica's
/// firing, all on the same clock.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class ScheduleFiringTests(JobPlatformFixture fixture) : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>
    /// Noon UTC today: near the database's own clock, which an Idempotency-Key's window is read
    /// against (a key made months before the database's now() would have expired).
    /// </summary>
    private static readonly DateTimeOffset Noon = new(DateTime.UtcNow.Date.AddHours(12), TimeSpan.Zero);

    private FakeTimeProvider _clock = new(Noon);

    private StoreDatabase _store = null!;

    public async Task InitializeAsync()
    {
        _store = await StoreDatabase.CreateAsync(fixture);
        await ExecuteAsync(
            """
            INSERT INTO tenants (id, name, created_at) VALUES (@tenant, @tenant, now());
            INSERT INTO task_types (name, input_schema, queue, registered_by, registered_at) VALUES ('noop', '{"type":"object"}', 'default', 'test', now());
            """);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task OneFireTime_MakesOneJob_AcrossTwoReplicasFiringAtOnce()
    {
        var id = await CreateAsync("*/10 * * * *", OverlapPolicies.Allow);
        _clock.Advance(TimeSpan.FromMinutes(10));

        var (one, two) = (Replica(), Replica());
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => (i % 2 == 0 ? one : two).FireDueAsync(50, None))));

        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM jobs WHERE schedule_id = @id", id));
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = @id", id));
        Assert.Equal(Noon.AddMinutes(20), await NextFireAtAsync(id));
    }

    [Fact]
    public async Task AFiringCutOffBeforeItWasRecorded_MakesTheSameJobWhenRetried()
    {
        var id = await CreateAsync("*/10 * * * *", OverlapPolicies.Allow);
        _clock.Advance(TimeSpan.FromMinutes(10));
        await Replica().FireDueAsync(50, None);
        var job = await ScalarAsync<Guid>("SELECT job_id FROM schedule_runs WHERE schedule_id = @id", id);

        // As if the replica had died after the submission: the run and the next fire time roll back.
        await ExecuteAsync("DELETE FROM schedule_runs; UPDATE schedules SET next_fire_at = next_fire_at - interval '10 minutes', last_job_id = NULL");
        await Replica().FireDueAsync(50, None);

        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM jobs WHERE schedule_id = @id", id));
        Assert.Equal(job, await ScalarAsync<Guid>("SELECT job_id FROM schedule_runs WHERE schedule_id = @id", id));
    }

    [Fact]
    public async Task PausedSchedule_DoesNotFire()
    {
        var id = await CreateAsync("* * * * *", OverlapPolicies.Allow);
        await ExecuteAsync("UPDATE schedules SET paused = true, next_fire_at = NULL");
        _clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Null(await Replica().FireDueAsync(50, None));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM schedule_runs WHERE schedule_id = @id", id));
    }

    [Theory]
    [InlineData(OverlapPolicies.Skip, 1, ScheduleRunOutcomes.Skipped, JobStatus.Pending)]
    [InlineData(OverlapPolicies.Allow, 2, ScheduleRunOutcomes.Submitted, JobStatus.Pending)]
    [InlineData(OverlapPolicies.CancelPrevious, 2, ScheduleRunOutcomes.Submitted, JobStatus.Cancelled)]
    public async Task WhileThePreviousJobIsUnfinished_TheOverlapPolicyDecides(string overlap, int jobs, string secondOutcome, string firstJobStatus)
    {
        var id = await CreateAsync("* * * * *", overlap);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await Replica().FireDueAsync(50, None);
        var first = await ScalarAsync<Guid>("SELECT job_id FROM schedule_runs WHERE schedule_id = @id", id);

        // No worker runs in this database: the first job is still unfinished at the next fire time.
        _clock.Advance(TimeSpan.FromMinutes(1));
        await Replica().FireDueAsync(50, None);

        Assert.Equal(jobs, await CountAsync("SELECT count(*) FROM jobs WHERE schedule_id = @id", id));
        Assert.Equal(secondOutcome, await ScalarAsync<string>("SELECT outcome FROM schedule_runs WHERE schedule_id = @id ORDER BY fire_time DESC LIMIT 1", id));
        Assert.Equal(firstJobStatus, await ScalarAsync<string>("SELECT status FROM jobs WHERE id = @id", first));
        if (overlap == OverlapPolicies.Skip)
        {
            Assert.Contains(first.ToString(), await ScalarAsync<string>("SELECT reason FROM schedule_runs WHERE schedule_id = @id AND outcome = 'skipped'", id));
        }
    }

    [Theory]
    [InlineData(CatchUpPolicies.Skip, 0, ScheduleRunOutcomes.Skipped)]
    [InlineData(CatchUpPolicies.Once, 1, ScheduleRunOutcomes.Submitted)]
    public async Task FireTimesMissedInDowntime_FollowTheCatchUpPolicy(string catchUp, int jobsForMissed, string missedOutcome)
    {
        var id = await CreateAsync("*/5 * * * *", OverlapPolicies.Allow, catchUp);
        // No Api looked for an hour and two minutes: the twelve fire times from 12:05 to 13:00 were missed.
        _clock.Advance(TimeSpan.FromMinutes(62));
        await Replica().FireDueAsync(50, None);

        var runs = await RunsAsync(id);
        var missed = Assert.Single(runs);
        Assert.Equal(Noon.AddHours(1), missed.FireTime);
        Assert.Equal(missedOutcome, missed.Outcome);
        Assert.Contains("12 fire times missed", missed.Reason);
        Assert.Equal(jobsForMissed, await CountAsync("SELECT count(*) FROM jobs WHERE schedule_id = @id", id));
        Assert.Equal(Noon.AddMinutes(65), await NextFireAtAsync(id));

        // After that, fire times that are on time fire as usual.
        _clock.Advance(TimeSpan.FromMinutes(3));
        await Replica().FireDueAsync(50, None);
        Assert.Equal(ScheduleRunOutcomes.Submitted, (await RunsAsync(id)).Last().Outcome);
    }

    [Fact]
    public async Task DailyRunInTheHourTheClocksSkip_FiresOnceThatDay_AtTheJump()
    {
        // Berlin's clocks go from 02:00 to 03:00 on 29 March 2026: 02:30 does not happen that day.
        _clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 27, 12, 0, 0, TimeSpan.Zero));
        var id = await CreateAsync("30 2 * * *", OverlapPolicies.Allow, timeZone: "Europe/Berlin");

        await FireOnTimeUntilAsync(id, new DateTimeOffset(2026, 3, 31, 12, 0, 0, TimeSpan.Zero));

        Assert.Equal(
            [
                new DateTimeOffset(2026, 3, 28, 1, 30, 0, TimeSpan.Zero), // 02:30 CET
                new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero),  // 03:00 CEST, the moment the clocks jump
                new DateTimeOffset(2026, 3, 30, 0, 30, 0, TimeSpan.Zero), // 02:30 CEST
                new DateTimeOffset(2026, 3, 31, 0, 30, 0, TimeSpan.Zero),
            ],
            (await RunsAsync(id)).Select(r => r.FireTime));
    }

    [Fact]
    public async Task DailyRunInTheHourTheClocksRepeat_FiresOnce()
    {
        // Berlin's clocks go from 03:00 back to 02:00 on 25 October 2026: 02:30 happens twice.
        _clock = new FakeTimeProvider(new DateTimeOffset(2026, 10, 24, 12, 0, 0, TimeSpan.Zero));
        var id = await CreateAsync("30 2 * * *", OverlapPolicies.Allow, timeZone: "Europe/Berlin");
        await FireOnTimeUntilAsync(id, new DateTimeOffset(2026, 10, 26, 12, 0, 0, TimeSpan.Zero));

        Assert.Equal(
            [
                new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), // 02:30 CEST, the first pass only
                new DateTimeOffset(2026, 10, 26, 1, 30, 0, TimeSpan.Zero), // 02:30 CET
            ],
            (await RunsAsync(id)).Select(r => r.FireTime));
    }

    [Fact]
    public async Task FiringPastTheTenantsCapOnUnfinishedTasks_IsSkippedWithTheReason()
    {
        await ExecuteAsync("UPDATE tenants SET max_unfinished_tasks = 3");
        var id = await CreateAsync("* * * * *", OverlapPolicies.Allow, taskCount: 2);

        _clock.Advance(TimeSpan.FromMinutes(1));
        await Replica().FireDueAsync(50, None);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await Replica().FireDueAsync(50, None);

        var runs = await RunsAsync(id);
        Assert.Equal([ScheduleRunOutcomes.Submitted, ScheduleRunOutcomes.Skipped], runs.Select(r => r.Outcome));
        Assert.Contains("maxUnfinishedTasks", runs[1].Reason);
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM jobs WHERE schedule_id = @id", id));
    }

    [Fact]
    public async Task FiringPastTheTenantsRateLimit_IsSkippedWithTheReason()
    {
        await ExecuteAsync("UPDATE tenants SET rate_limit_per_minute = 1, rate_limit_burst = 1");
        var (a, b) = (await CreateAsync("* * * * *", OverlapPolicies.Allow), await CreateAsync("* * * * *", OverlapPolicies.Allow));

        // Both fire at 12:01, and the tenant's bucket holds one token: one of them gets it.
        _clock.Advance(TimeSpan.FromMinutes(1));
        await Replica().FireDueAsync(50, None);

        var runs = (await RunsAsync(a)).Concat(await RunsAsync(b)).ToList();
        Assert.Equal([ScheduleRunOutcomes.Skipped, ScheduleRunOutcomes.Submitted], runs.Select(r => r.Outcome).Order());
        Assert.Contains("rate limit", runs.Single(r => r.Outcome == ScheduleRunOutcomes.Skipped).Reason);
    }

    [Fact]
    public async Task DelayedJob_IsReleasedWhenDue_NotBefore()
    {
        var submission = Submission();
        var now = _clock.GetUtcNow();
        var (job, errors) = JobPlatform.Api.Apis.SubmitJobApi.Prepare(new SubmitJobRequest(null, "noop", 3, null, null, Delay: TimeSpan.FromHours(2)),
            await Catalogue().FindAsync("noop", None), StoreTenant, now);
        Assert.Empty(errors);
        Assert.Equal(JobStatus.Scheduled, job!.Status);
        Assert.IsType<SubmitOutcome.Created>(await submission.SubmitAsync(job, null, null, None));
        var delayed = new DelayedJobs(_store.DataSource);

        _clock.Advance(TimeSpan.FromMinutes(119));
        var (released, next) = await delayed.ReleaseDueAsync(_clock.GetUtcNow(), None);
        Assert.Equal((0, now.AddHours(2)), (released, next));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM outbox_messages WHERE job_id = @id", job.Id));

        _clock.Advance(TimeSpan.FromMinutes(1));
        (released, next) = await delayed.ReleaseDueAsync(_clock.GetUtcNow(), None);
        Assert.Equal((1, (DateTimeOffset?)null), (released, next));
        Assert.Equal(3L, await CountAsync("SELECT count(*) FROM outbox_messages WHERE job_id = @id", job.Id));
        Assert.Equal(JobStatus.Pending, await ScalarAsync<string>("SELECT status FROM jobs WHERE id = @id", job.Id));
    }

    [Fact]
    public async Task ARetry_WaitsItsBackoffOnTheSameClock_ThenIsSentAgain()
    {
        var protocol = new WorkerProtocol(new ProtocolDatabase(_store.DataSource), _clock);
        var job = await _store.Rows.JobAsync();
        var task = await _store.Rows.TaskAsync(job, JobTaskStatus.Running);

        var outcome = (await protocol.ReportAsync([AttemptReport.Failed(task.Id, task.Attempt, "boom", null, retryable: true)],
            (_, _) => TimeSpan.FromMinutes(30), None))[0];
        Assert.Equal(new ReportOutcome.Applied(JobTaskStatus.Retrying, TimeSpan.FromMinutes(30)), outcome);
        // It waits in PostgreSQL: no worker may claim it meanwhile, whatever message it holds.
        Assert.Equal(new ClaimOutcome.Refused(JobTaskStatus.Retrying),
            (await protocol.ClaimAsync([new TaskClaim(task.Id, Guid.NewGuid(), null)], "worker-b", TimeSpan.FromMinutes(5), None))[0]);

        var delayed = new DelayedJobs(_store.DataSource);
        _clock.Advance(TimeSpan.FromMinutes(29));
        var (released, next) = await delayed.ReleaseDueAsync(_clock.GetUtcNow(), None);
        Assert.Equal((0, _clock.GetUtcNow().AddMinutes(1)), (released, next));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM outbox_messages WHERE task_id = @id", task.Id));

        _clock.Advance(TimeSpan.FromMinutes(1));
        (released, next) = await delayed.ReleaseDueAsync(_clock.GetUtcNow(), None);
        Assert.Equal((1, (DateTimeOffset?)null), (released, next));
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM outbox_messages WHERE task_id = @id", task.Id));
        Assert.Equal(JobTaskStatus.Pending, await ScalarAsync<string>("SELECT status FROM tasks WHERE id = @id", task.Id));
    }

    private const string StoreTenant = "scheduling";

    /// <summary>Moves the clock to each of the schedule's fire times in turn, as a firer that is never late sees them, up to <paramref name="until"/>.</summary>
    private async Task FireOnTimeUntilAsync(Guid scheduleId, DateTimeOffset until)
    {
        while (await NextFireAtAsync(scheduleId) is { } next && next <= until)
        {
            _clock.SetUtcNow(next.AddSeconds(1));
            await Replica().FireDueAsync(50, None);
        }
        Assert.All(await RunsAsync(scheduleId), run => Assert.Equal(ScheduleRunOutcomes.Submitted, run.Outcome));
    }

    private ScheduleFiring Replica() => new(_store.DataSource, Submission(), Catalogue(), _store.Commands,
        new TenantRateLimiter(), Options.Create(new TenancyOptions()), Metrics, _clock, NullLogger<ScheduleFiring>.Instance);

    private static readonly ApiMetrics Metrics = new(new ServiceCollection().AddMetrics()
        .BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());

    private Submission Submission() => new(_store.DataSource, Options.Create(new TenancyOptions()), Options.Create(new RetentionOptions()));

    private TaskCatalogue Catalogue() => new(_store.DataSource, _clock);

    /// <summary>A schedule as the Api stores a new one: due at its first fire time after now.</summary>
    private async Task<Guid> CreateAsync(string cron, string overlap, string catchUp = CatchUpPolicies.Skip, string timeZone = "UTC", int taskCount = 1)
    {
        var id = Guid.CreateVersion7();
        var parsed = ScheduleCron.Parse(cron, timeZone, [])!;
        await using var command = _store.DataSource.CreateCommand(
            """
            INSERT INTO schedules (id, tenant_id, name, cron, time_zone, template, overlap, catch_up, paused, next_fire_at, created_at, updated_at)
            VALUES (@id, @tenant, 'test', @cron, @zone, @template::jsonb, @overlap, @catchUp, false, @next, now(), now())
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("tenant", StoreTenant);
        command.Parameters.AddWithValue("cron", cron);
        command.Parameters.AddWithValue("zone", timeZone);
        command.Parameters.AddWithValue("template", $$"""{"type":"noop","taskCount":{{taskCount}}}""");
        command.Parameters.AddWithValue("overlap", overlap);
        command.Parameters.AddWithValue("catchUp", catchUp);
        command.Parameters.AddWithValue("next", parsed.NextAfter(_clock.GetUtcNow())!.Value);
        await command.ExecuteNonQueryAsync();
        return id;
    }

    private sealed record Run(DateTimeOffset FireTime, string Outcome, string? Reason);

    private async Task<List<Run>> RunsAsync(Guid scheduleId)
    {
        await using var command = _store.DataSource.CreateCommand("SELECT fire_time, outcome, reason FROM schedule_runs WHERE schedule_id = @id ORDER BY fire_time, id");
        command.Parameters.AddWithValue("id", scheduleId);
        var runs = new List<Run>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            runs.Add(new Run(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }
        return runs;
    }

    private async Task<DateTimeOffset?> NextFireAtAsync(Guid scheduleId)
    {
        await using var command = _store.DataSource.CreateCommand("SELECT next_fire_at FROM schedules WHERE id = @id");
        command.Parameters.AddWithValue("id", scheduleId);
        return await command.ExecuteScalarAsync() is DateTime next ? new DateTimeOffset(next, TimeSpan.Zero) : null;
    }

    private async Task<long> CountAsync(string sql, Guid id) => await ScalarAsync<long>(sql, id);

    private async Task<T> ScalarAsync<T>(string sql, Guid id)
    {
        await using var command = _store.DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("id", id);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _store.DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("tenant", StoreTenant);
        await command.ExecuteNonQueryAsync();
    }
}
