using JobPlatform.Api.Apis;
using JobPlatform.Api.Data;
using JobPlatform.Contracts;
using Microsoft.EntityFrameworkCore;

namespace JobPlatform.Api.Services;

/// <summary>
/// What <see cref="JobEventBroadcaster"/> reads every <see cref="JobEventsOptions.ProgressInterval"/>
/// while someone watches. A background service acts for no tenant: these read every tenant's rows,
/// and the broadcaster sends each job only to its own tenant. Their statements use indexes whatever
/// other tenants store (QueryPlanTests).
/// </summary>
public static class WatchedJobs
{
    /// <summary>The ids of <paramref name="tenantId"/>'s <paramref name="max"/> most recent unfinished jobs.</summary>
    public static Task<List<Guid>> MostRecentUnfinishedAsync(JobsDbContext db, string tenantId, int max, CancellationToken ct) =>
        db.Jobs.IgnoreQueryFilters().AsNoTracking()
            .Where(j => j.TenantId == tenantId && !JobStatus.Final.Contains(j.Status))
            .OrderByDescending(j => j.CreatedAt).Take(max)
            .Select(j => j.Id).ToListAsync(ct);

    /// <summary>The jobs <paramref name="ids"/> that exist, each with its tasks counted by status.</summary>
    public static async Task<List<(Job Job, TaskCounts Counts)>> ReadAsync(JobsDbContext db, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        var jobs = await db.Jobs.IgnoreQueryFilters().AsNoTracking().Where(j => ids.Contains(j.Id)).ToListAsync(ct);
        var counts = await db.CountTasksAsync(jobs.Select(j => j.Id).ToList(), ct);
        return jobs.Select(j => (j, counts[j.Id])).ToList();
    }
}
