using System.Diagnostics;
using System.Net.Http.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobPlatform.Tests.Worker;

/// <summary>
/// Sharing the workers between tenants and priorities, checked from the attempts' own timestamps: a
/// tenant's quota and its fair share of the fleet bound how many of its tasks run at once, neither
/// its big job nor its long tasks hold another tenant back, and more urgent work starts first while
/// low priority still progresses.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class FairSharingTests(JobPlatformFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Quota_BoundsHowManyOfATenantsAttemptsOverlap()
    {
        using var tenant = await fixture.CreateTenantAsync(maxRunningTasks: 2);
        var job = await tenant.Api.SubmitAsync(new { name = "quota-2", type = "sleep", taskCount = 12, parameters = new { ms = 300 } });
        var finished = await tenant.Api.WaitForFinalAsync(job.Id);
        Assert.Equal(JobStatus.Completed, finished.Status);

        var attempts = await TimelineAsync(tenant.Api, job.Id);
        var overlap = MaxOverlap(attempts);
        output.WriteLine($"12 tasks of 300 ms under a quota of 2: at most {overlap} ran at once");
        Assert.True(overlap <= 2, $"{overlap} attempts overlapped under a quota of 2");
        // The quota is a bound, not a queue of one: both slots were used.
        Assert.Equal(2, overlap);
        await fixture.AssertJobInvariantsAsync(job.Id);
    }

    [Fact]
    public async Task ABigJob_DoesNotDelayAnotherTenantsSmallJob()
    {
        using var big = await fixture.CreateTenantAsync(maxRunningTasks: 20);
        using var small = await fixture.CreateTenantAsync();
        var bigJob = await big.Api.SubmitAsync(new { name = "big", type = "sleep", taskCount = 3_000, parameters = new { ms = 100 } });
        await big.Api.WaitForJobAsync(bigJob.Id, j => j.Counts.Succeeded >= 40);

        var clock = Stopwatch.StartNew();
        var smallJob = await small.Api.SubmitAsync(new { name = "small", type = "sleep", taskCount = 20, parameters = new { ms = 50 } });
        var done = await small.Api.WaitForFinalAsync(smallJob.Id);
        var took = clock.Elapsed;
        var bigNow = await big.Api.GetJobAsync(bigJob.Id);
        output.WriteLine($"20 tasks of 50 ms took {took.TotalSeconds:0.00} s while the other tenant's 3,000-task job ran ({bigNow.Counts.Succeeded} done)");

        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.False(JobStatus.Final.Contains(bigNow.Status), "the big job finished first: the test proved nothing");
        // Behind 3,000 queued tasks of 100 ms on the test graph's 32 slots, it would take about 10 s.
        Assert.True(took < TimeSpan.FromSeconds(5), $"the small job took {took.TotalSeconds:0.0} s");

        // The big job was held to its quota all along.
        Assert.True((await big.Api.GetFromJsonAsync<TenantUsageResponse>("/api/v1/tenants/me", JobsClient.Json))!.RunningTasks <= 20);
        await CancelAsync(big.Api, bigJob.Id);
    }

    [Fact]
    public async Task WhileSaturated_CriticalWorkStartsFirst_AndLowStillProgresses()
    {
        using var tenant = await fixture.CreateTenantAsync(maxRunningTasks: 1_000);
        var normal = await tenant.Api.SubmitAsync(new { name = "backlog", type = "sleep", taskCount = 600, parameters = new { ms = 150 }, priority = "normal" });
        await tenant.Api.WaitForJobAsync(normal.Id, j => j.Counts.Succeeded >= 32);

        var low = await tenant.Api.SubmitAsync(new { name = "low", type = "sleep", taskCount = 10, parameters = new { ms = 50 }, priority = "low" });
        var critical = await tenant.Api.SubmitAsync(new { name = "critical", type = "sleep", taskCount = 10, parameters = new { ms = 50 }, priority = "critical" });
        Assert.Equal(JobPriority.Critical, critical.Priority);
        await tenant.Api.WaitForFinalAsync(critical.Id);
        await tenant.Api.WaitForFinalAsync(low.Id);
        await tenant.Api.WaitForFinalAsync(normal.Id);

        var backlog = await TimelineAsync(tenant.Api, normal.Id);
        var criticalStarts = (await TimelineAsync(tenant.Api, critical.Id)).Select(a => a.StartedAt).ToList();
        var lowStarts = (await TimelineAsync(tenant.Api, low.Id)).Select(a => a.StartedAt).ToList();
        var criticalDone = criticalStarts.Max();
        var overtaken = backlog.Count(a => a.StartedAt > critical.CreatedAt);
        var startedMeanwhile = backlog.Count(a => a.StartedAt > critical.CreatedAt && a.StartedAt < criticalDone);
        output.WriteLine($"critical: all 10 started {(criticalDone - critical.CreatedAt).TotalMilliseconds:0} ms after submission, while {startedMeanwhile} of the {overtaken} normal tasks still queued then started");
        output.WriteLine($"low: first started {(lowStarts.Min() - low.CreatedAt).TotalMilliseconds:0} ms after submission; the backlog's last task started {(backlog.Max(a => a.StartedAt) - low.CreatedAt).TotalMilliseconds:0} ms after it");

        Assert.True(overtaken > 200, $"only {overtaken} normal tasks were still queued when critical work came: the workers were not saturated");
        // Submitted later, the critical tasks started ahead of most of the normal backlog queued before them.
        Assert.True(startedMeanwhile < 100, $"{startedMeanwhile} normal tasks started before the last critical one");
        // Low priority was not starved: it started while the normal backlog still had tasks waiting.
        Assert.True(lowStarts.Min() < backlog.Max(a => a.StartedAt), "low priority started only after the normal backlog");
    }

    [Fact]
    public async Task HourLongCriticalTasks_LeaveSlotsFree_SoAnotherTenantsTaskStartsAtOnce()
    {
        // Tenant A has the default quota (100), more than the test graph's fleet, and marks its work critical.
        using var hog = await fixture.CreateTenantAsync();
        using var other = await fixture.CreateTenantAsync();
        var hours = await hog.Api.SubmitAsync(new { name = "hour-long", type = "sleep", taskCount = 100, parameters = new { ms = 3_600_000 }, priority = "critical" });
        try
        {
            // A fills every slot the tenants share on its queue: the live slots of the default queue's pool less its reserve.
            var fleet = await fixture.QueryScalarAsync<long>("SELECT coalesce(sum(slots), 0)::bigint FROM workers WHERE stopped_at IS NULL AND last_heartbeat_at > now() - interval '15 seconds' AND 'default' = ANY(queues)");
            var budget = JobPlatform.Api.Lifecycle.FairShare.Budget(fleet, 0.1);
            var running = await Eventually.Until(
                async () => (await hog.Api.GetFromJsonAsync<TenantUsageResponse>("/api/v1/tenants/me", JobsClient.Json))!.RunningTasks,
                count => count >= budget, TimeSpan.FromSeconds(60), count => $"{count} of the hour-long tasks run, expected {budget}");
            Assert.True(running < fleet, $"one tenant runs {running} tasks on a fleet of {fleet} slots: none is left for the others");

            var clock = Stopwatch.StartNew();
            var noop = await other.Api.SubmitAsync(new { name = "meanwhile", type = "noop", taskCount = 1 });
            var done = await other.Api.WaitForFinalAsync(noop.Id, TimeSpan.FromSeconds(30));
            output.WriteLine($"tenant A runs {running} hour-long critical tasks on {fleet} slots (its share {budget}); tenant B's noop job took {clock.Elapsed.TotalSeconds:0.00} s");
            Assert.Equal(JobStatus.Completed, done.Status);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"tenant B waited {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.True((await hog.Api.GetFromJsonAsync<TenantUsageResponse>("/api/v1/tenants/me", JobsClient.Json))!.RunningTasks <= budget);
        }
        finally
        {
            await CancelAsync(hog.Api, hours.Id);
        }
    }

    [Fact]
    public async Task ABacklogFarAboveTheFleet_DoesNotDelayAnotherTenantsJob()
    {
        // Tenant A's quota is far above the fleet: only its fair share keeps its backlog out of the queue.
        using var hog = await fixture.CreateTenantAsync(maxRunningTasks: 1_000_000);
        using var other = await fixture.CreateTenantAsync();
        var backlog = await hog.Api.SubmitAsync(new { name = "backlog", type = "noop", taskCount = 20_000 });
        try
        {
            await hog.Api.WaitForJobAsync(backlog.Id, j => j.Counts.Succeeded >= 200);

            var clock = Stopwatch.StartNew();
            var small = await other.Api.SubmitAsync(new { name = "small", type = "noop", taskCount = 20 });
            var done = await other.Api.WaitForFinalAsync(small.Id, TimeSpan.FromSeconds(60));
            var took = clock.Elapsed;
            var backlogNow = await hog.Api.GetJobAsync(backlog.Id);
            output.WriteLine($"tenant B's 20 noop tasks took {took.TotalSeconds:0.00} s behind tenant A's 20,000 ({backlogNow.Counts.Succeeded} done)");

            Assert.Equal(JobStatus.Completed, done.Status);
            Assert.False(JobStatus.Final.Contains(backlogNow.Status), "the backlog finished first: the test proved nothing");
            Assert.True(took < TimeSpan.FromSeconds(5), $"tenant B's job took {took.TotalSeconds:0.0} s");
        }
        finally
        {
            await CancelAsync(hog.Api, backlog.Id);
        }
    }

    private static async Task CancelAsync(HttpClient api, Guid jobId)
    {
        using var cancelled = await api.PostAsync($"/api/v1/jobs/{jobId}/cancel", null);
        await api.WaitForFinalAsync(jobId);
    }

    private static async Task<IReadOnlyList<TimelineItem>> TimelineAsync(HttpClient api, Guid jobId) =>
        (await api.GetFromJsonAsync<TimelineResponse>($"/api/v1/jobs/{jobId}/timeline", JobsClient.Json))!.Items;

    /// <summary>The most attempts running at one moment, from their start and end times.</summary>
    private static int MaxOverlap(IEnumerable<TimelineItem> attempts)
    {
        var events = attempts.SelectMany(a => new[] { (At: a.StartedAt, Delta: 1), (At: a.EndedAt ?? DateTimeOffset.MaxValue, Delta: -1) })
            // An end and a start at the same instant do not overlap.
            .OrderBy(e => e.At).ThenBy(e => e.Delta);
        int running = 0, most = 0;
        foreach (var (_, delta) in events)
        {
            running += delta;
            most = Math.Max(most, running);
        }
        return most;
    }
}
