using System.Collections.Concurrent;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JobPlatform.AppHost.Testing;

/// <summary>
/// JobPlatform.AppHost's graph started with Aspire.Hosting.Testing, as the test suite and the benchmark
/// run it: every port random (a development loop may run beside it), data in a throwaway folder. It
/// keeps the last lines every resource printed, each under its resource's name, and hands out
/// <see cref="GraphResource"/>s that stop, start, kill and pause through Aspire's resource commands and
/// the process ids Aspire reports.
/// </summary>
public sealed class RunningGraph : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _log = new();
    private readonly int _keptLogLines;
    private readonly GraphOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, ReplicaState> _replicas = new();
    private readonly List<Task> _watchers = [];

    private RunningGraph(DistributedApplication app, GraphOptions options)
    {
        App = app;
        _options = options;
        _keptLogLines = options.KeptLogLines;
    }

    public DistributedApplication App { get; }

    /// <summary>The repository the AppHost was built from.</summary>
    public string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The graph's throwaway data folder (PostgreSQL, secrets, the development key).</summary>
    public string DataDirectory => _options.DataDirectory;

    /// <summary>The Aspire dashboard's address, when the graph runs with it (<see cref="GraphOptions.Dashboard"/>).</summary>
    public Uri? DashboardUrl { get; private set; }

    /// <summary>The key of the dashboard's telemetry API (<c>x-api-key</c>), when it runs.</summary>
    public string? DashboardApiKey { get; private set; }

    /// <summary>The dashboard's sign-in address for a browser, with this run's token, when it runs.</summary>
    public Uri? DashboardLoginUrl { get; private set; }

    /// <summary>Starts the graph and returns once every resource is healthy; on failure, the exception carries the resources' last lines.</summary>
    public static async Task<RunningGraph> StartAsync(GraphOptions options, CancellationToken ct = default)
    {
        string[] args =
        [
            $"--workers={options.Workers.ToString(CultureInfo.InvariantCulture)}",
            $"--sample-workers={options.SampleWorkers.ToString(CultureInfo.InvariantCulture)}",
            $"--web={options.Web}",
            $"--prometheus={options.Prometheus}",
            $"--scrape-interval={options.ScrapeInterval:c}",
            "--fresh=true",
            // PostgreSQL, the emulator and the Api are not behind DCP's proxy, whose ports the testing
            // builder randomises: any free port, chosen by the AppHost.
            "--postgres-port=0",
            "--api-port=0",
            "--sqs-port=0",
            $"--testing={options.Testing}",
            $"--persist-queues={options.PersistQueues ?? !options.Testing}",
            $"--data-dir={options.DataDirectory}",
            .. options.PostgresSettings.Select(s => $"--postgres-setting={s.Key}={s.Value}"),
        ];
        string? dashboardKey = null;
        var browserToken = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.JobPlatform_AppHost>(args, (app, host) =>
        {
            app.DisableDashboard = !options.Dashboard;
            app.AllowUnsecuredTransport = true;
        }, ct);
        if (options.Dashboard)
        {
            dashboardKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            builder.Configuration["AppHost:DashboardApiKey"] = dashboardKey;
            builder.Configuration["AppHost:BrowserToken"] = browserToken;
            // Stated, not left for Aspire to generate: the testing builder reads its configuration
            // twice, and the services and the dashboard would each get a different key.
            builder.Configuration["AppHost:OtlpApiKey"] = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        }

        RunningGraph? graph = null;
        builder.Services.AddLogging(logging => logging
            .AddProvider(new SinkLoggerProvider(line => graph?.Log(line)))
            // The testing builder also echoes every resource's output to this process's console: at
            // the benchmark's rates, hundreds of lines a second on the cores the services need. The
            // graph keeps them for RecentLog and LogSink through ResourceLoggerService instead.
            .AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>("JobPlatform.AppHost.Resources", LogLevel.None));
        if (!options.Dashboard)
        {
            // Aspire points the services at the dashboard's OTLP port even when no dashboard runs:
            // they would record every span and export it to nobody. Without an endpoint they do
            // neither (ServiceDefaults samples nothing then).
            foreach (var project in builder.Resources.OfType<ProjectResource>())
            {
                builder.CreateResourceBuilder(project).WithEnvironment(context =>
                {
                    foreach (var name in context.EnvironmentVariables.Keys.Where(k => k.StartsWith("OTEL_EXPORTER_OTLP_", StringComparison.Ordinal)).ToList())
                    {
                        context.EnvironmentVariables.Remove(name);
                    }
                });
            }
        }
        foreach (var (resource, variables) in options.ResourceEnvironment)
        {
            var target = builder.Resources.OfType<IResourceWithEnvironment>().Single(r => r.Name == resource);
            builder.CreateResourceBuilder(target).WithEnvironment(context =>
            {
                foreach (var (name, value) in variables)
                {
                    context.EnvironmentVariables[name] = value;
                }
            });
        }

        var app = await builder.BuildAsync(ct);
        graph = new RunningGraph(app, options);
        graph._watchers.Add(graph.WatchAsync());
        try
        {
            await app.StartAsync(ct);
            var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
            if (options.Dashboard)
            {
                var dashboard = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == "aspire-dashboard");
                await notifications.WaitForResourceHealthyAsync(dashboard.Name, ct);
                graph.DashboardUrl = new Uri(((IResourceWithEndpoints)dashboard).GetEndpoints().First(e => e.EndpointName == "http").Url);
                graph.DashboardApiKey = dashboardKey;
                graph.DashboardLoginUrl = new Uri(graph.DashboardUrl, $"/login?t={browserToken}");
            }
            foreach (var resource in builder.Resources.Where(IsPartOfTheGraph))
            {
                await notifications.WaitForResourceHealthyAsync(resource.Name, ct);
            }
        }
        catch (Exception ex)
        {
            var log = graph.RecentLog(120);
            await graph.DisposeAsync();
            throw new InvalidOperationException($"The graph did not start: {ex.Message}\n{log}", ex);
        }
        return graph;
    }

    /// <summary>A resource of the graph by its name in the AppHost (<c>worker</c>, <c>postgres</c>, ...).</summary>
    public GraphResource GetResource(string name) => new(this, name);

    /// <summary>Several resources acted on together: every worker pool, say.</summary>
    public GraphResource GetResources(string name, params string[] others) => new(this, name, others);

    /// <summary>The connection string Aspire passes for <paramref name="resource"/>.</summary>
    public string GetConnectionString(string resource) =>
        App.GetConnectionStringAsync(resource).AsTask().GetAwaiter().GetResult()
        ?? throw new InvalidOperationException($"'{resource}' has no connection string.");

    /// <summary>Where <paramref name="resource"/>'s endpoint is reached from this machine.</summary>
    public Uri GetEndpoint(string resource, string endpoint = "http") => App.GetEndpoint(resource, endpoint);

    /// <summary>An HttpClient whose base address is <paramref name="resource"/>'s endpoint.</summary>
    public HttpClient CreateHttpClient(string resource) => App.CreateHttpClient(resource);

    /// <summary>
    /// A generated secret of the graph (<c>admin-key</c>, <c>worker-key</c>, <c>token-signing-key</c>), or
    /// the development tenant's key for <c>dev-tenant</c>.
    /// </summary>
    public string GetSecret(string name)
    {
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        return model.Resources.Single(r => r.Name == name) switch
        {
            ParameterResource parameter => parameter.GetValueAsync(default).AsTask().GetAwaiter().GetResult() ?? "",
            Hosting.DevTenantResource tenant => tenant.ApiKey,
            var other => throw new InvalidOperationException($"'{name}' is a {other.GetType().Name}, not a secret."),
        };
    }

    /// <summary>The last lines the graph's processes printed, each as <c>[replica] line</c>, to explain a failure.</summary>
    public string RecentLog(int lines = 80) => string.Join('\n', _log.TakeLast(lines));

    internal void Log(string line)
    {
        _log.Enqueue(line);
        while (_log.Count > _keptLogLines && _log.TryDequeue(out _))
        {
        }
        _options.LogSink?.Invoke(line);
    }

    internal IReadOnlyList<GraphReplica> ReplicasOf(string resource) =>
        _replicas.Values.Where(r => r.Resource == resource).OrderBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => new GraphReplica(this, r)).ToList();

    internal ResourceNotificationService Notifications => App.Services.GetRequiredService<ResourceNotificationService>();

    internal ResourceCommandService Commands => App.Services.GetRequiredService<ResourceCommandService>();

    internal ReplicaState Replica(string id) => _replicas[id];

    // Follows every resource's state (to know each replica's process and count its restarts) and the
    // output of every replica it meets.
    private async Task WatchAsync()
    {
        var loggers = App.Services.GetRequiredService<ResourceLoggerService>();
        try
        {
            await foreach (var e in Notifications.WatchAsync(_stopping.Token))
            {
                var state = _replicas.GetOrAdd(e.ResourceId, id =>
                {
                    var created = new ReplicaState(id, e.Resource.Name);
                    lock (_watchers)
                    {
                        _watchers.Add(FollowLogAsync(loggers, id));
                    }
                    return created;
                });
                state.Update(e.Snapshot);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private async Task FollowLogAsync(ResourceLoggerService loggers, string id)
    {
        try
        {
            await foreach (var batch in loggers.WatchAsync(id).WithCancellation(_stopping.Token))
            {
                foreach (var line in batch)
                {
                    Log($"[{id}] {line.Content}");
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await App.StopAsync(stop.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
        {
            // Stopping a graph that never fully started; disposing still ends its processes.
        }
        await _stopping.CancelAsync();
        await App.DisposeAsync();
        Task[] watchers;
        lock (_watchers)
        {
            watchers = [.. _watchers];
        }
        await Task.WhenAll(watchers).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        _stopping.Dispose();
        try
        {
            Directory.Delete(_options.DataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the OS to clean: a temp folder, and PostgreSQL may still be letting go of a file.
        }
    }

    // What the AppHost declares and waits for, not Aspire's own helpers (the dashboard, a project's
    // rebuilder, which never starts unless asked) or parameters.
    private static bool IsPartOfTheGraph(IResource resource) =>
        (resource is ProjectResource or Hosting.DevTenantResource || resource.TryGetAnnotationsOfType<HealthCheckAnnotation>(out _))
        // No replicas (Workers = 0): nothing runs that could turn healthy.
        && !(resource.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) && replicas.Replicas == 0);

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "JobPlatform.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No JobPlatform.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>How the test suite or the benchmark runs the graph.</summary>
public sealed class GraphOptions
{
    /// <summary>Worker replicas. Defaults to 2.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Replicas of the sample word-count pool (the <c>text</c> queue). Defaults to 1.</summary>
    public int SampleWorkers { get; init; } = 1;

    /// <summary>Start the web console. Defaults to false.</summary>
    public bool Web { get; init; }

    /// <summary>Start Debian's Prometheus, scraping every replica. Defaults to false.</summary>
    public bool Prometheus { get; init; }

    /// <summary>How often Prometheus scrapes. Defaults to 5 s.</summary>
    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Run Aspire's dashboard, the services exporting their telemetry to it. Defaults to false.</summary>
    public bool Dashboard { get; init; }

    /// <summary>PostgreSQL without fsync, queues in memory. Defaults to true.</summary>
    public bool Testing { get; init; } = true;

    /// <summary>Keep the emulator's queues on disk. Defaults to the opposite of <see cref="Testing"/>.</summary>
    public bool? PersistQueues { get; init; }

    /// <summary>Extra PostgreSQL settings. Defaults to none.</summary>
    public IReadOnlyDictionary<string, string> PostgresSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra environment variables per resource, such as the short timeouts a test suite runs with. Defaults to none.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ResourceEnvironment { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>The throwaway data folder. Defaults to a new folder under the temp directory.</summary>
    public string DataDirectory { get; init; } = Path.Combine(Path.GetTempPath(), $"jobplatform-graph-{Guid.NewGuid():N}");

    /// <summary>How many of the processes' last lines to keep. Defaults to 4,000.</summary>
    public int KeptLogLines { get; init; } = 4_000;

    /// <summary>Receives every line as it is printed, besides the kept ones. Defaults to none.</summary>
    public Action<string>? LogSink { get; init; }
}

/// <summary>Sends the AppHost's own log lines (its supervisor's, its resources' set-up) to the graph's log.</summary>
internal sealed class SinkLoggerProvider(Action<string> sink) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new SinkLogger(categoryName, sink);

    public void Dispose()
    {
    }

    private sealed class SinkLogger(string category, Action<string> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) =>
            logLevel >= LogLevel.Information && category.StartsWith("JobPlatform.AppHost.Hosting", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                sink($"[apphost] {formatter(state, exception)}");
            }
        }
    }
}
