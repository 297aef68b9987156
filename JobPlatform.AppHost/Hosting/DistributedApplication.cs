using System.Diagnostics;
using System.Runtime.InteropServices;
using JobPlatform.AppHost.Dashboard;
using JobPlatform.AppHost.Dashboard.Telemetry;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// The running graph: starts the dashboard, then resources in dependency order (independent ones at
/// once), each only when what it waits for is healthy; stops them in reverse order, the dashboard last.
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly IReadOnlyList<Resource> _resources;
    private readonly AppHostContext _context;
    private readonly List<Resource> _started = [];
    private readonly Lock _startedLock = new();
    private AppHostDashboard? _dashboard;

    internal DistributedApplication(IReadOnlyList<Resource> resources, AppHostContext context)
    {
        _resources = resources;
        _context = context;
    }

    /// <summary>The repository the AppHost was built from.</summary>
    public string RepositoryRoot => _context.RepositoryRoot;

    /// <summary>The development dashboard's address, once started.</summary>
    public Uri DashboardUrl => Dashboard.DashboardUrl;

    /// <summary>This run's dashboard token: sign in at <c>/login?t=</c>, or send it as a Bearer token to the dashboard's API.</summary>
    public string DashboardToken => Dashboard.Token;

    /// <summary>The dashboard's sign-in address with this run's token, as the summary prints it.</summary>
    public Uri DashboardLoginUrl => Dashboard.LoginUrl;

    /// <summary>The OTLP/HTTP receiver's base address (exporters add <c>/v1/traces</c> and so on), once started.</summary>
    public Uri OtlpEndpoint => Dashboard.OtlpEndpoint;

    /// <summary>The OTLP/gRPC receiver's address (HTTP/2 without TLS), once started.</summary>
    public Uri OtlpGrpcEndpoint => Dashboard.OtlpGrpcEndpoint;

    /// <summary>This run's key for the OTLP receiver, sent in the <c>x-otlp-api-key</c> header.</summary>
    public string OtlpApiKey => Dashboard.OtlpApiKey;

    /// <summary>What the dashboard holds, for tests that look past its API.</summary>
    internal TelemetryStore Telemetry => Dashboard.Store;

    private AppHostDashboard Dashboard => _dashboard ?? throw new InvalidOperationException(
        _context.Options.IncludeDashboard ? "The dashboard starts with StartAsync." : "This graph runs without a dashboard (AppHostOptions.IncludeDashboard is false).");

    /// <summary>Starts every resource and returns once all are healthy; on failure stops what started and throws.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        foreach (var resource in _resources)
        {
            foreach (var (port, option) in resource.FixedPorts)
            {
                if (!Ports.IsFree(port))
                {
                    throw new PortInUseException(resource.Name, port, option);
                }
            }
        }

        if (_context.Options.IncludeDashboard)
        {
            foreach (var (port, resource, option) in new[]
            {
                (_context.Options.DashboardPort, "dashboard", "--dashboard-port"),
                (_context.Options.OtlpPort, "otlp", "--otlp-port"),
                (_context.Options.OtlpGrpcPort, "otlp-grpc", "--otlp-grpc-port"),
            })
            {
                if (port != 0 && !Ports.IsFree(port))
                {
                    throw new PortInUseException(resource, port, option);
                }
            }
        }

        var clock = Stopwatch.StartNew();
        if (_context.Options.IncludeDashboard && _dashboard is null)
        {
            // First, so that every resource's output and telemetry is there to see from its start.
            _dashboard = new AppHostDashboard(_resources, _context);
            await _dashboard.StartAsync(ct);
            _context.TelemetryEnvironment = _dashboard.ExporterEnvironment;
            _context.Log.Info(AppHostDashboard.LogSource, $"listening on {_dashboard.DashboardUrl.ToString().TrimEnd('/')}, OTLP/HTTP on {_dashboard.OtlpEndpoint.ToString().TrimEnd('/')}, OTLP/gRPC on {_dashboard.OtlpGrpcEndpoint.ToString().TrimEnd('/')}");
        }
        var runnable = _resources.Where(r => r.Runnable == r).ToList();
        var starts = new Dictionary<Resource, Task>();
        Task StartOnce(Resource resource)
        {
            lock (starts)
            {
                if (!starts.TryGetValue(resource, out var task))
                {
                    starts[resource] = task = StartAfterDependenciesAsync(resource, StartOnce, clock, ct);
                }
                return task;
            }
        }

        try
        {
            await Task.WhenAll(runnable.Select(StartOnce));
        }
        catch
        {
            await StopAsync();
            throw;
        }
        PrintSummary(clock.Elapsed);
    }

    private async Task StartAfterDependenciesAsync(Resource resource, Func<Resource, Task> start, Stopwatch clock, CancellationToken ct)
    {
        await Task.Yield();
        if (resource.WaitsFor.Count > 0)
        {
            resource.State = ResourceState.Waiting;
            _context.Log.Info(resource.Name, $"waiting for {string.Join(", ", resource.WaitsFor.Select(w => w.Name).Distinct())}");
            await Task.WhenAll(resource.WaitsFor.Select(start));
        }
        resource.State = ResourceState.Starting;
        var started = clock.Elapsed;
        lock (_startedLock)
        {
            _started.Add(resource);
        }
        try
        {
            await resource.StartAsync(_context, ct);
        }
        catch
        {
            resource.State = ResourceState.Failed;
            throw;
        }
        resource.State = ResourceState.Running;
        _context.Log.Info(resource.Name, $"healthy ({(clock.Elapsed - started).TotalSeconds:0.0} s)");
    }

    /// <summary>Stops every started resource, dependents first, then the dashboard.</summary>
    public async Task StopAsync()
    {
        await StopResourcesAsync();
        if (_dashboard is { } dashboard)
        {
            _dashboard = null;
            await dashboard.DisposeAsync();
        }
    }

    private async Task StopResourcesAsync()
    {
        List<Resource> started;
        lock (_startedLock)
        {
            started = [.. _started];
            _started.Clear();
        }
        // Stop in waves: a resource stops once nothing still running waits for it.
        while (started.Count > 0)
        {
            var wave = started.Where(r => !started.Any(other => other.WaitsFor.Contains(r))).ToList();
            if (wave.Count == 0)
            {
                wave = started;
            }
            await Task.WhenAll(wave.Select(async resource =>
            {
                resource.State = ResourceState.Stopping;
                await resource.StopAsync();
                resource.State = ResourceState.Stopped;
            }));
            started.RemoveAll(wave.Contains);
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>
    /// Starts, prints where everything is, runs until SIGINT or SIGTERM, then stops everything.
    /// Returns the process exit code.
    /// </summary>
    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(ct);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (!shutdown.IsCancellationRequested)
            {
                Console.Out.WriteLine("Stopping every resource...");
            }
            shutdown.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        try
        {
            await StartAsync(shutdown.Token);
        }
        catch (PortInUseException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            Console.Out.WriteLine("Stopped before every resource was up.");
            return 130;
        }
        catch (ResourceStartException ex)
        {
            Console.Error.WriteLine($"The graph could not start: {ex.Message}");
            return 1;
        }

        try
        {
            await Task.Delay(Timeout.Infinite, shutdown.Token);
        }
        catch (OperationCanceledException)
        {
        }
        var stopping = Stopwatch.StartNew();
        await StopAsync();
        Console.Out.WriteLine($"Stopped in {stopping.Elapsed.TotalSeconds:0.0} s.");
        return 0;
    }

    public Uri GetEndpoint(string resourceName) => Find(resourceName) switch
    {
        ProjectResource project => project.Url,
        ViteAppResource vite => vite.Url,
        PrometheusResource prometheus => prometheus.Url,
        SqsEmulatorResource sqs => new Uri(sqs.ServiceUrl),
        var other => throw new InvalidOperationException($"Resource '{other.Name}' has no HTTP endpoint."),
    };

    public HttpClient CreateHttpClient(string resourceName) => new() { BaseAddress = GetEndpoint(resourceName) };

    public string GetConnectionString(string name) => Find(name) switch
    {
        PostgresDatabaseResource database => database.ConnectionString,
        SqsEmulatorResource sqs => sqs.ServiceUrl,
        var other => throw new InvalidOperationException($"Resource '{other.Name}' has no connection string."),
    };

    public ResourceHandle GetResource(string name) => new(Find(name), _context);

    /// <summary>A generated secret's value, or a development tenant's API key.</summary>
    public string GetSecret(string name) => Find(name) switch
    {
        SecretResource secret => secret.Value,
        DevTenantResource tenant => tenant.ApiKey,
        var other => throw new InvalidOperationException($"Resource '{other.Name}' is not a secret."),
    };

    private Resource Find(string name) =>
        _resources.SingleOrDefault(r => r.Name == name) ?? throw new KeyNotFoundException($"The graph has no resource named '{name}'.");

    private void PrintSummary(TimeSpan elapsed)
    {
        var lines = _resources
            .Where(r => r is not (PostgresServerResource or SecretResource))
            .Select(r => $"  {r.Name,-10} {r.State.ToString().ToLowerInvariant(),-8} {r.DisplayUrl}");
        if (_dashboard is { } dashboard)
        {
            lines = lines.Prepend($"  {"dashboard",-10} {"running",-8} {dashboard.LoginUrl} (OTLP/HTTP at {dashboard.OtlpEndpoint.ToString().TrimEnd('/')}, OTLP/gRPC at {dashboard.OtlpGrpcEndpoint.ToString().TrimEnd('/')})");
        }
        var summary = $"All resources healthy in {elapsed.TotalSeconds:0.0} s:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}{Environment.NewLine}Press Ctrl+C to stop.";
        if (_context.Options.LogSink is { } sink)
        {
            sink("apphost", summary);
        }
        else
        {
            Console.Out.WriteLine(summary);
        }
    }
}
