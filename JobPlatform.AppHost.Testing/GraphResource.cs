using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace JobPlatform.AppHost.Testing;

/// <summary>
/// A resource of a <see cref="RunningGraph"/>: its replicas (one for most resources), and stop and start
/// through Aspire's resource commands, as the dashboard's buttons do.
/// </summary>
public sealed class GraphResource(RunningGraph graph, string name, params string[] others)
{
    private static readonly TimeSpan StateTimeout = TimeSpan.FromSeconds(90);

    /// <summary>The resource's name (the first one's, for several resources acted on together).</summary>
    public string Name { get; } = name;

    /// <summary>The resource's replicas, by their names in Aspire (<c>worker-abcdefgh</c>), in name order.</summary>
    public IReadOnlyList<GraphReplica> Replicas => [.. others.Prepend(Name).SelectMany(graph.ReplicasOf)];

    /// <summary>Stops every replica (SIGTERM, as DCP stops a process) and returns once all have exited.</summary>
    public Task StopAsync(CancellationToken ct = default) => Task.WhenAll(Replicas.Select(r => r.StopAsync(ct)));

    /// <summary>Starts every replica and returns once all are healthy.</summary>
    public Task StartAsync(CancellationToken ct = default) => Task.WhenAll(Replicas.Select(r => r.StartAsync(ct)));

    internal static async Task RunCommandAsync(RunningGraph graph, string id, string command, CancellationToken ct)
    {
        var result = await graph.Commands.ExecuteCommandAsync(id, command, ct);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{command} of {id} failed: {result.Message}");
        }
    }

    internal static async Task WaitUntilAsync(RunningGraph graph, string id, Func<ResourceEvent, bool> predicate, string what, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StateTimeout);
        try
        {
            // By the replica's own id: Aspire's WaitForResourceAsync matches resources by their model name.
            await foreach (var e in graph.Notifications.WatchAsync(timeout.Token))
            {
                if (e.ResourceId == id && predicate(e))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{id} did not {what} within {StateTimeout.TotalSeconds} s.\n{graph.RecentLog(60)}");
        }
    }
}

/// <summary>
/// One process of a resource. Its <see cref="ProcessId"/> is the program's own (a project runs under
/// <c>dotnet run</c>, which Aspire reports; signals go to the program beneath it).
/// </summary>
public sealed class GraphReplica
{
    private readonly RunningGraph _graph;
    private readonly ReplicaState _state;

    internal GraphReplica(RunningGraph graph, ReplicaState state)
    {
        _graph = graph;
        _state = state;
    }

    /// <summary>The replica's name in Aspire, which workers also use as their worker id.</summary>
    public string Name => _state.Id;

    /// <summary>The program's process id while it runs.</summary>
    public int? ProcessId => _state.ProcessId is { } pid ? ProcessTree.Program(pid) : null;

    /// <summary>
    /// How many times its process was replaced by a new one while the graph watched, not counting the
    /// stops and starts asked for through <see cref="StopAsync"/> and <see cref="TerminateAsync"/>:
    /// the AppHost's restarts of a crashed replica.
    /// </summary>
    public int Restarts => _state.Restarts;

    /// <summary>Its own HTTP address (the <c>ASPNETCORE_URLS</c> Aspire gave it), past the endpoint's proxy.</summary>
    public Uri? Url => _state.Url;

    /// <summary>SIGKILL: no drain, no report, as a crash or an OOM kill.</summary>
    public Task KillAsync() => SignalAsync(ProcessTree.Signal.Kill);

    /// <summary>SIGSTOP: the process hangs, holding its connections and leases.</summary>
    public Task PauseAsync() => SignalAsync(ProcessTree.Signal.Stop);

    /// <summary>SIGCONT after <see cref="PauseAsync"/>.</summary>
    public Task ResumeAsync() => SignalAsync(ProcessTree.Signal.Continue);

    /// <summary>
    /// SIGTERM to the program, as Kubernetes deletes a pod, then a new process in its place once it
    /// has exited (as a Deployment replaces the pod).
    /// </summary>
    public async Task TerminateAsync(CancellationToken ct = default)
    {
        _state.ExpectNewProcess();
        var started = _state.StartedAt;
        await SignalAsync(ProcessTree.Signal.Terminate);
        await GraphResource.WaitUntilAsync(_graph, Name, e => e.Snapshot.StartTimeStamp != started || IsStopped(e), "exit", ct);
        if (IsStopped(_graph.Notifications.TryGetCurrentState(Name, out var now) ? now : null))
        {
            await StartAsync(ct);
        }
    }

    /// <summary>Aspire's stop command; returns once the process has exited.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        _state.ExpectNewProcess();
        await GraphResource.RunCommandAsync(_graph, Name, KnownResourceCommands.StopCommand, ct);
        await GraphResource.WaitUntilAsync(_graph, Name, IsStopped, "stop", ct);
    }

    /// <summary>Aspire's start command; returns once the replica is running and healthy.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        await GraphResource.RunCommandAsync(_graph, Name, KnownResourceCommands.StartCommand, ct);
        await GraphResource.WaitUntilAsync(_graph, Name,
            e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus is null or Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy,
            "start and turn healthy", ct);
    }

    private Task SignalAsync(ProcessTree.Signal signal)
    {
        var pid = ProcessId ?? throw new InvalidOperationException($"{Name} is not running.");
        ProcessTree.Send(pid, signal);
        return Task.CompletedTask;
    }

    private static bool IsStopped(ResourceEvent? e) =>
        e?.Snapshot.State?.Text is { } state && (state == KnownResourceStates.Exited || state == KnownResourceStates.Finished || state == KnownResourceStates.FailedToStart);

    public override string ToString() => Name;
}

/// <summary>What the graph has seen of one replica, updated from Aspire's resource notifications.</summary>
internal sealed class ReplicaState(string id, string resource)
{
    private readonly Lock _lock = new();
    private int? _lastPid;
    private bool _newProcessExpected;

    public string Id { get; } = id;

    public string Resource { get; } = resource;

    public int? ProcessId { get; private set; }

    public int Restarts { get; private set; }

    public DateTime? StartedAt { get; private set; }

    public Uri? Url { get; private set; }

    /// <summary>The next new process follows a stop or start asked for, not a crash.</summary>
    public void ExpectNewProcess()
    {
        lock (_lock)
        {
            _newProcessExpected = true;
        }
    }

    public void Update(CustomResourceSnapshot snapshot)
    {
        lock (_lock)
        {
            var running = snapshot.State?.Text == KnownResourceStates.Running;
            var pid = running ? snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value switch
            {
                int value => value,
                long value => (int)value,
                string text when int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) => value,
                _ => (int?)null,
            } : null;
            if (pid is not null && _lastPid is not null && pid != _lastPid)
            {
                if (!_newProcessExpected)
                {
                    Restarts++;
                }
                _newProcessExpected = false;
            }
            _lastPid = pid ?? _lastPid;
            ProcessId = pid;
            StartedAt = snapshot.StartTimeStamp;
            var urls = snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == "ASPNETCORE_URLS")?.Value;
            if (urls?.Split(';').FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal)) is { } url)
            {
                Url = new Uri(url);
            }
        }
    }
}
