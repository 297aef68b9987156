using System.Collections.Concurrent;

namespace JobPlatform.AppHost.Dashboard;

/// <summary>
/// Probes every replica's health in the background (a project's <c>/health</c>, the emulator's
/// <c>/health</c>, the console's page, PostgreSQL's port) so the Resources page reads the last answer
/// instead of probing on every poll.
/// </summary>
internal sealed class HealthMonitor(ResourceCatalog catalog) : IAsyncDisposable
{
    /// <summary>How often each replica is probed. Defaults to 2 s.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long one probe may take before it counts as unhealthy. Defaults to 1.5 s.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1.5);

    private readonly ConcurrentDictionary<string, (ReplicaHealth Health, int? ProcessId)> _last = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>The last probe's answer for <paramref name="replica"/>'s current process.</summary>
    public ReplicaHealth HealthOf(Replica replica) =>
        replica.Process.ProcessId is not { } pid ? ReplicaHealth.Down
        // A restarted process has not been probed yet: what its predecessor answered says nothing.
        : _last.TryGetValue(replica.Process.Name, out var last) && last.ProcessId == pid ? last.Health
        : ReplicaHealth.Unknown;

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(ProbeInterval);
        do
        {
            await Task.WhenAll(catalog.AllReplicas.Select(ProbeAsync));
        }
        while (await WaitAsync(timer));
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task ProbeAsync(Replica replica)
    {
        if (replica.Probe is null || replica.Process.ProcessId is not { } pid)
        {
            return;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(ProbeTimeout);
        bool healthy;
        try
        {
            healthy = await replica.Probe(timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            healthy = false;
        }
        _last[replica.Process.Name] = (healthy ? ReplicaHealth.Healthy : ReplicaHealth.Unhealthy, pid);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }
        _stopping.Dispose();
    }
}
