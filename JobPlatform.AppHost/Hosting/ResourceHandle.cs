namespace JobPlatform.AppHost.Hosting;

/// <summary>A started resource, for tests: stop it, start it again, or crash one of its replicas.</summary>
public sealed class ResourceHandle
{
    private readonly Resource _resource;
    private readonly AppHostContext _context;

    internal ResourceHandle(Resource resource, AppHostContext context)
    {
        _resource = resource.Runnable;
        _context = context;
    }

    public string Name => _resource.Name;

    public ResourceState State => _resource.State;

    public IReadOnlyList<ReplicaHandle> Replicas => _resource switch
    {
        ProjectResource project => project.ReplicaEndpoints.Select(r => new ReplicaHandle(r.Process, new Uri($"http://localhost:{r.Port}"))).ToList(),
        PostgresServerResource postgres when postgres.Process is { } p => [new ReplicaHandle(p)],
        SqsEmulatorResource sqs when sqs.Process is { } p => [new ReplicaHandle(p)],
        ViteAppResource vite when vite.Process is { } p => [new ReplicaHandle(p)],
        PrometheusResource prometheus when prometheus.Process is { } p => [new ReplicaHandle(p)],
        _ => [],
    };

    public async Task StopAsync()
    {
        _resource.State = ResourceState.Stopping;
        await _resource.StopAsync();
        _resource.State = ResourceState.Stopped;
    }

    /// <summary>Starts the resource again (setup included, such as queue creation) and waits until it is healthy.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        _resource.State = ResourceState.Starting;
        await _resource.StartAsync(_context, ct);
        _resource.State = ResourceState.Running;
    }
}

/// <summary>One process of a resource.</summary>
public sealed class ReplicaHandle
{
    private readonly SupervisedProcess _process;

    internal ReplicaHandle(SupervisedProcess process, Uri? url = null)
    {
        _process = process;
        Url = url;
    }

    public string Name => _process.Name;

    /// <summary>The replica's own HTTP address (health, metrics), for a project; null otherwise.</summary>
    public Uri? Url { get; }

    public int? ProcessId => _process.ProcessId;

    public int Restarts => _process.Restarts;

    /// <summary>When the running process started; null while none runs.</summary>
    public DateTimeOffset? StartedAt => _process.StartedAt;

    /// <summary>Freezes the process (SIGSTOP) until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync()
    {
        _process.Pause(true);
        return Task.CompletedTask;
    }

    /// <summary>Thaws a paused process (SIGCONT).</summary>
    public Task ResumeAsync()
    {
        _process.Pause(false);
        return Task.CompletedTask;
    }

    /// <summary>Asks the process to stop (SIGTERM) and returns at once; its supervisor then restarts it, as a rolling restart would.</summary>
    public Task TerminateAsync()
    {
        _process.Terminate();
        return Task.CompletedTask;
    }

    /// <summary>SIGKILLs the process, as a crash would; its supervisor restarts it with backoff.</summary>
    public Task KillAsync()
    {
        _process.Kill();
        return Task.CompletedTask;
    }
}
