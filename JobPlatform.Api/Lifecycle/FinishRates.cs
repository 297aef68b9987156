namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// How many of each tenant's tasks finished lately, as the outbox relay sees it: between two passes
/// a tenant's tasks in flight went from what was counted plus what was sent to what is counted now,
/// and the difference finished. The count decays exponentially over <paramref name="window"/>, so
/// it reads as "finished in about the last window". It sets how far a tenant's work may queue ahead
/// of its share of the fleet (<see cref="Outbox.TakeAsync"/>): short tasks keep the queue fed so
/// workers never wait for the relay, and tasks that take longer than the window get no allowance,
/// so they never fill the slots kept free for other tenants. Used by one relay at a time.
/// </summary>
public sealed class FinishRates(TimeSpan window)
{
    private readonly Dictionary<string, Flow> _flows = new(StringComparer.Ordinal);

    /// <summary>
    /// Records a pass's count of the tenant's tasks in flight at <paramref name="now"/> and returns how
    /// many finished in about the last window: zero the first time a tenant is seen.
    /// </summary>
    public long Observe(string tenant, long inFlight, TimeSpan now)
    {
        var recent = 0.0;
        if (_flows.TryGetValue(tenant, out var flow))
        {
            var finished = Math.Max(0, flow.InFlight + flow.Sent - inFlight);
            var elapsed = Math.Max(0, (now - flow.At).TotalSeconds);
            recent = flow.Recent * Math.Exp(-elapsed / window.TotalSeconds) + finished;
        }
        _flows[tenant] = new Flow(inFlight, 0, now, recent);
        return (long)Math.Floor(recent);
    }

    /// <summary>Records messages sent for a tenant since its last <see cref="Observe"/>.</summary>
    public void Sent(string tenant, int count)
    {
        if (_flows.TryGetValue(tenant, out var flow))
        {
            _flows[tenant] = flow with { Sent = flow.Sent + count };
        }
    }

    /// <summary>Forgets the tenants not in <paramref name="active"/>: nothing of theirs is in flight or waiting.</summary>
    public void Keep(IReadOnlySet<string> active)
    {
        foreach (var tenant in _flows.Keys.Where(t => !active.Contains(t)).ToList())
        {
            _flows.Remove(tenant);
        }
    }

    private sealed record Flow(long InFlight, long Sent, TimeSpan At, double Recent);
}
