namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// How the fleet's worker slots are shared between tenants: the rule the outbox relay keeps when it
/// releases tasks to SQS. A tenant's tasks in flight (queued or running) are bounded by its share,
/// so no tenant's backlog sits in the queue ahead of another's work, and no tenant fills the slots
/// a newcomer needs.
/// </summary>
public static class FairShare
{
    /// <summary>
    /// The slots the tenants share: the live fleet's slots less the reserve (a share of them, at least
    /// one) that stays free for a tenant whose work arrives while the others' fill the fleet. Tasks
    /// cannot be taken back from a worker, so only a reserve lets the newcomer start at once.
    /// </summary>
    public static long Budget(long fleetSlots, double reservedShare) =>
        fleetSlots <= 0 ? 0 : Math.Max(0, fleetSlots - Math.Max(1, (long)Math.Ceiling(fleetSlots * reservedShare)));

    /// <summary>
    /// Max-min fair shares of <paramref name="budget"/>: a tenant that wants less than an equal share
    /// gets what it wants, and what it leaves is split equally between the others. Every tenant that
    /// wants anything gets at least one, so work progresses on a fleet smaller than the number of
    /// tenants, or before any worker has said it is alive.
    /// </summary>
    /// <param name="demands">Each tenant's demand: its tasks in flight or waiting, within its own quota.</param>
    public static Dictionary<string, long> Allocate(long budget, IEnumerable<(string Tenant, long Demand)> demands)
    {
        var wanting = demands.Where(d => d.Demand > 0)
            .OrderBy(d => d.Demand).ThenBy(d => d.Tenant, StringComparer.Ordinal)
            .ToList();
        var shares = new Dictionary<string, long>(wanting.Count, StringComparer.Ordinal);
        var left = Math.Max(0, budget);
        for (var i = 0; i < wanting.Count; i++)
        {
            var (tenant, demand) = wanting[i];
            // The last tenant takes what the division left over.
            var equal = i == wanting.Count - 1 ? left : left / (wanting.Count - i);
            var share = Math.Max(1, Math.Min(demand, equal));
            shares[tenant] = share;
            left = Math.Max(0, left - share);
        }
        return shares;
    }
}
