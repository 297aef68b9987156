using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

/// <summary>
/// /api/v1/schedules on the running graph: its Api's firer fires them on the real clock, so these
/// schedules fire every second or two (the firing rules on a fake clock are in
/// <see cref="Lifecycle.ScheduleFiringTests"/>).
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class ScheduleApiTests(JobPlatformFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Schedule_FiresItsJob_AndShowsNextFireTimesAndRuns()
    {
        using var tenant = await fixture.CreateTenantAsync();
        var created = await CreateAsync(tenant.Api, new ScheduleRequest("every two seconds", "*/2 * * * * *", "Europe/Berlin",
            new SubmitJobRequest("scheduled noop", "noop", 2, null, null), Overlap: OverlapPolicies.Allow));

        Assert.Equal("Europe/Berlin", created.TimeZone);
        Assert.NotNull(created.NextFireAt);
        Assert.Equal(ScheduleLimits.PreviewCount, created.NextFireTimes!.Count);
        Assert.All(created.NextFireTimes.Zip(created.NextFireTimes.Skip(1)), pair => Assert.Equal(TimeSpan.FromSeconds(2), pair.Second - pair.First));

        var fired = await WaitForRunsAsync(tenant.Api, created.Id, runs => runs.Any(r => r.JobStatus == JobStatus.Completed));
        var run = fired.RecentRuns!.First(r => r.JobStatus == JobStatus.Completed);
        Assert.Equal(ScheduleRunOutcomes.Submitted, run.Outcome);
        Assert.False(run.Manual);
        Assert.True(run.FiredAt >= run.FireTime, $"fired at {run.FiredAt:O}, before its fire time {run.FireTime:O}");
        Assert.Equal(0, run.FireTime.Second % 2);

        var job = await tenant.Api.GetJobAsync(run.JobId!.Value);
        Assert.Equal(created.Id, job.ScheduleId);
        Assert.Equal("scheduled noop", job.Name);
        await fixture.AssertJobInvariantsAsync(job.Id);

        // Paused, it fires no more (a firing in progress holds the schedule's row, so the change waits for it).
        await PatchAsync(tenant.Api, created.Id, new ScheduleRequest(Paused: true));
        // One job per fire time: each run recorded its own job, and no job was made without a run.
        var jobs = await fixture.QueryScalarAsync<long>("SELECT count(*) FROM jobs WHERE schedule_id = @id", ("id", created.Id));
        var runs = await fixture.QueryScalarAsync<long>("SELECT count(DISTINCT job_id) FROM schedule_runs WHERE schedule_id = @id AND outcome = 'submitted'", ("id", created.Id));
        var fireTimes = await fixture.QueryScalarAsync<long>("SELECT count(DISTINCT fire_time) FROM schedule_runs WHERE schedule_id = @id AND outcome = 'submitted'", ("id", created.Id));
        Assert.Equal((jobs, jobs), (runs, fireTimes));
        await DeleteAsync(tenant.Api, created.Id);
    }

    [Fact]
    public async Task PausedSchedule_DoesNotFire_AndResumesAtItsNextFireTime()
    {
        using var tenant = await fixture.CreateTenantAsync();
        var created = await CreateAsync(tenant.Api, new ScheduleRequest("paused", "* * * * * *", null,
            new SubmitJobRequest(null, "noop", 1, null, null), Overlap: OverlapPolicies.Allow, Paused: true));
        Assert.Null(created.NextFireAt);
        Assert.Equal(ScheduleLimits.PreviewCount, created.NextFireTimes!.Count);

        // Three fire times pass while it is paused.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty((await GetAsync(tenant.Api, created.Id)).RecentRuns!);

        var resumedAt = DateTimeOffset.UtcNow;
        var resumed = await PatchAsync(tenant.Api, created.Id, new ScheduleRequest(Paused: false));
        Assert.False(resumed.Paused);
        Assert.True(resumed.NextFireAt > resumedAt.AddSeconds(-1), $"next fire at {resumed.NextFireAt:O}, resumed at {resumedAt:O}");

        var fired = await WaitForRunsAsync(tenant.Api, created.Id, runs => runs.Count > 0);
        // None of the fire times passed while paused was caught up.
        Assert.All(fired.RecentRuns!, r => Assert.True(r.FireTime >= resumedAt.AddSeconds(-1), $"a run for {r.FireTime:O}, before the resume at {resumedAt:O}"));
        await DeleteAsync(tenant.Api, created.Id);
    }

    [Fact]
    public async Task Trigger_FiresNow_UnderTheOverlapPolicy()
    {
        using var tenant = await fixture.CreateTenantAsync();
        // A schedule that will not fire by itself for a long while.
        var created = await CreateAsync(tenant.Api, new ScheduleRequest("by hand", "0 0 1 1 *", "UTC",
            new SubmitJobRequest(null, "sleep", 1, new() { ["ms"] = 60_000 }, null), Overlap: OverlapPolicies.Skip));

        var first = await TriggerAsync(tenant.Api, created.Id);
        Assert.Equal(ScheduleRunOutcomes.Submitted, first.Outcome);
        Assert.True(first.Manual);
        Assert.NotNull(first.JobId);
        // The template names no job: it is named after its schedule.
        Assert.Equal("by hand", (await tenant.Api.GetJobAsync(first.JobId!.Value)).Name);

        // Its job still runs: with overlap skip, a second trigger submits nothing and says why.
        var second = await TriggerAsync(tenant.Api, created.Id);
        Assert.Equal(ScheduleRunOutcomes.Skipped, second.Outcome);
        Assert.Contains(first.JobId!.Value.ToString(), second.Reason);

        // cancel-previous: the running job is cancelled and a new one submitted.
        await PatchAsync(tenant.Api, created.Id, new ScheduleRequest(Overlap: OverlapPolicies.CancelPrevious));
        var third = await TriggerAsync(tenant.Api, created.Id);
        Assert.Equal(ScheduleRunOutcomes.Submitted, third.Outcome);
        Assert.NotEqual(first.JobId, third.JobId);
        Assert.Equal(JobStatus.Cancelled, (await tenant.Api.GetJobAsync(first.JobId.Value)).Status);

        var detail = await GetAsync(tenant.Api, created.Id);
        Assert.Equal([third.Id, second.Id, first.Id], detail.RecentRuns!.Select(r => r.Id));
        using var cancel = await tenant.Api.PostAsync($"/api/v1/jobs/{third.JobId}/cancel", null);
        await DeleteAsync(tenant.Api, created.Id);
    }

    [Fact]
    public async Task AnotherTenantsSchedule_IsNotFound()
    {
        using var owner = await fixture.CreateTenantAsync();
        using var other = await fixture.CreateTenantAsync();
        var created = await CreateAsync(owner.Api, new ScheduleRequest("mine", "0 0 1 1 *", null, new SubmitJobRequest(null, "noop", 1, null, null)));

        Assert.Equal(HttpStatusCode.NotFound, (await other.Api.GetAsync($"/api/v1/schedules/{created.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Api.PatchAsJsonAsync($"/api/v1/schedules/{created.Id}", new ScheduleRequest(Paused: true), JobsClient.Json)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Api.PostAsync($"/api/v1/schedules/{created.Id}/trigger", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Api.DeleteAsync($"/api/v1/schedules/{created.Id}")).StatusCode);
        Assert.Empty((await other.Api.GetFromJsonAsync<PagedResponse<ScheduleResponse>>("/api/v1/schedules", JobsClient.Json))!.Items);

        var mine = (await owner.Api.GetFromJsonAsync<PagedResponse<ScheduleResponse>>("/api/v1/schedules", JobsClient.Json))!;
        Assert.Equal([created.Id], mine.Items.Select(s => s.Id));
        Assert.False((await GetAsync(owner.Api, created.Id)).Paused);
        await DeleteAsync(owner.Api, created.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Api.GetAsync($"/api/v1/schedules/{created.Id}")).StatusCode);
    }

    [Fact]
    public async Task TenantsCapOnSchedules_Is409()
    {
        using var tenant = await CreateTenantWithScheduleCapAsync(1);
        await CreateAsync(tenant.Api, new ScheduleRequest("one", "0 0 1 1 *", null, new SubmitJobRequest(null, "noop", 1, null, null)));

        using var response = await tenant.Api.PostAsJsonAsync("/api/v1/schedules",
            new ScheduleRequest("two", "0 0 1 1 *", null, new SubmitJobRequest(null, "noop", 1, null, null)), JobsClient.Json);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("maxSchedules", problem.RootElement.GetProperty("limit").GetString());
        Assert.Equal(1, problem.RootElement.GetProperty("maximum").GetInt32());
    }

    public static TheoryData<string, string, string> BadSchedules => new()
    {
        { "no cron", """{"name":"x","job":{"type":"noop","taskCount":1}}""", "cron" },
        { "cron of four fields", """{"name":"x","cron":"* * * *","job":{"type":"noop","taskCount":1}}""", "cron" },
        { "cron out of range", """{"name":"x","cron":"61 * * * *","job":{"type":"noop","taskCount":1}}""", "cron" },
        { "unknown time zone", """{"name":"x","cron":"* * * * *","timeZone":"Mars/Olympus","job":{"type":"noop","taskCount":1}}""", "timeZone" },
        { "no name", """{"cron":"* * * * *","job":{"type":"noop","taskCount":1}}""", "name" },
        { "no job", """{"name":"x","cron":"* * * * *"}""", "job" },
        { "unknown overlap policy", """{"name":"x","cron":"* * * * *","overlap":"queue","job":{"type":"noop","taskCount":1}}""", "overlap" },
        { "unknown catch-up policy", """{"name":"x","cron":"* * * * *","catchUp":"all","job":{"type":"noop","taskCount":1}}""", "catchUp" },
        { "job of an unknown type", """{"name":"x","cron":"* * * * *","job":{"type":"teleport","taskCount":1}}""", "job.type" },
        { "job with a bad parameter", """{"name":"x","cron":"* * * * *","job":{"type":"sleep","taskCount":1,"parameters":{"ms":-1}}}""", "job.parameters.ms" },
        { "job with a runAt", """{"name":"x","cron":"* * * * *","job":{"type":"noop","taskCount":1,"runAt":"2030-01-01T00:00:00Z"}}""", "job.runAt" },
        { "unknown field", """{"name":"x","cron":"* * * * *","every":"minute","job":{"type":"noop","taskCount":1}}""", "every" },
        { "NUL in the name", """{"name":"a\u0000b","cron":"* * * * *","job":{"type":"noop","taskCount":1}}""", "name" },
    };

    [Theory]
    [MemberData(nameof(BadSchedules))]
    public async Task BadSchedule_IsAProblemNamingTheField_AndStoresNothing(string because, string body, string field)
    {
        using var tenant = await fixture.CreateTenantAsync();
        using var response = await tenant.Api.PostAsync("/api/v1/schedules", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{because}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"{because}: no error for '{field}' in {text}");
        Assert.Equal(0L, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM schedules WHERE tenant_id = @tenant", ("tenant", tenant.Id)));
    }

    [Fact]
    public async Task Preview_GivesTheNextFireTimesInTheZone_OrAProblem()
    {
        var preview = (await fixture.Api.GetFromJsonAsync<SchedulePreviewResponse>(
            "/api/v1/schedules/preview?cron=30%202%20*%20*%20*&timeZone=America/New_York", JobsClient.Json))!;
        Assert.Equal("America/New_York", preview.TimeZone);
        Assert.Equal(ScheduleLimits.PreviewCount, preview.FireTimes.Count);
        Assert.All(preview.FireTimes, time => Assert.True(time.Offset == TimeSpan.FromHours(-5) || time.Offset == TimeSpan.FromHours(-4), $"{time:O}"));
        Assert.All(preview.FireTimes, time => Assert.Equal(30, time.Minute));

        using var bad = await fixture.Api.GetAsync("/api/v1/schedules/preview?cron=every%20day&timeZone=UTC");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
    }

    private async Task<TestTenant> CreateTenantWithScheduleCapAsync(int maxSchedules)
    {
        var id = $"t-{Guid.NewGuid():N}"[..20];
        using var created = await fixture.AdminApi.PostAsJsonAsync("/api/v1/tenants",
            new CreateTenantRequest(id, RateLimitPerMinute: 6_000, RateLimitBurst: 1_000, MaxSchedules: maxSchedules), JobsClient.Json);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = await fixture.IssueKeyAsync(id);
        return new TestTenant(id, key, fixture.CreateApiClient(key.Key));
    }

    private static async Task<ScheduleResponse> CreateAsync(HttpClient api, ScheduleRequest request)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/schedules", request, JobsClient.Json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"creating a schedule: {(int)response.StatusCode} {text}");
        return JsonSerializer.Deserialize<ScheduleResponse>(text, JobsClient.Json)!;
    }

    private static async Task<ScheduleResponse> GetAsync(HttpClient api, Guid id) =>
        (await api.GetFromJsonAsync<ScheduleResponse>($"/api/v1/schedules/{id}", JobsClient.Json))!;

    private static async Task<ScheduleResponse> PatchAsync(HttpClient api, Guid id, ScheduleRequest request)
    {
        using var response = await api.PatchAsJsonAsync($"/api/v1/schedules/{id}", request, JobsClient.Json);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"changing a schedule: {(int)response.StatusCode} {text}");
        return JsonSerializer.Deserialize<ScheduleResponse>(text, JobsClient.Json)!;
    }

    private static async Task<ScheduleRunResponse> TriggerAsync(HttpClient api, Guid id)
    {
        using var response = await api.PostAsync($"/api/v1/schedules/{id}/trigger", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"triggering a schedule: {(int)response.StatusCode} {text}");
        return JsonSerializer.Deserialize<ScheduleRunResponse>(text, JobsClient.Json)!;
    }

    private static async Task DeleteAsync(HttpClient api, Guid id)
    {
        using var response = await api.DeleteAsync($"/api/v1/schedules/{id}");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private static Task<ScheduleResponse> WaitForRunsAsync(HttpClient api, Guid id, Func<IReadOnlyList<ScheduleRunResponse>, bool> done) =>
        Eventually.Until(() => GetAsync(api, id), schedule => done(schedule.RecentRuns!), Patience,
            schedule => $"schedule {id} has runs {JsonSerializer.Serialize(schedule?.RecentRuns, JobsClient.Json)}");
}
