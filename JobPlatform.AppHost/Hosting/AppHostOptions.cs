namespace JobPlatform.AppHost.Hosting;

/// <summary>How the AppHost runs the graph. A port of 0 means "any free port".</summary>
public sealed class AppHostOptions
{
    /// <summary>Worker replicas. Defaults to 3.</summary>
    public int Workers { get; init; } = 3;

    /// <summary>The Api's port. Defaults to 5080.</summary>
    public int ApiPort { get; init; } = 5080;

    /// <summary>The web console's port. Defaults to 5173.</summary>
    public int WebPort { get; init; } = 5173;

    /// <summary>PostgreSQL's port. Defaults to 5432.</summary>
    public int PostgresPort { get; init; } = 5432;

    /// <summary>The SQS emulator's port. Defaults to 4566.</summary>
    public int SqsPort { get; init; } = 4566;

    /// <summary>The development dashboard's port, on 127.0.0.1. Defaults to 18888, as Aspire's.</summary>
    public int DashboardPort { get; init; } = 18888;

    /// <summary>The dashboard's OTLP/HTTP receiver's port, on 127.0.0.1. Defaults to 18890, as Aspire's.</summary>
    public int OtlpPort { get; init; } = 18890;

    /// <summary>The dashboard's OTLP/gRPC receiver's port, on 127.0.0.1. Defaults to 18889, as Aspire's.</summary>
    public int OtlpGrpcPort { get; init; } = 18889;

    /// <summary>
    /// Start the dashboard and its OTLP receiver, and point every project's OpenTelemetry exporter at
    /// it. Defaults to true.
    /// </summary>
    public bool IncludeDashboard { get; init; } = true;

    /// <summary>Wipe the local data (PostgreSQL, queues) before starting. Defaults to false.</summary>
    public bool Fresh { get; init; }

    /// <summary>Where local data lives. Defaults to <c>.jobplatform</c> in the repository.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Start the web console. Defaults to true.</summary>
    public bool IncludeWeb { get; init; } = true;

    /// <summary>Start Prometheus, scraping the Api and every worker replica. Defaults to false.</summary>
    public bool Prometheus { get; init; }

    /// <summary>Prometheus's port, when it runs. Defaults to 9090.</summary>
    public int PrometheusPort { get; init; } = 9090;

    /// <summary>How often Prometheus scrapes, when it runs. Defaults to 5 s.</summary>
    public TimeSpan PrometheusScrapeInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Run for a test suite: PostgreSQL without fsync, queues in memory. Defaults to false.
    /// </summary>
    public bool Testing { get; init; }

    /// <summary>
    /// Keep the emulator's queues on disk, so queued tasks survive a restart as they would in real
    /// SQS. Defaults to true, false when <see cref="Testing"/>. The benchmark turns it off: real
    /// SQS's storage does not run on the machine being measured.
    /// </summary>
    public bool? PersistQueues { get; init; }

    /// <summary>
    /// Extra PostgreSQL settings, passed as <c>-c name=value</c> after the AppHost's own (the
    /// benchmark's SQL profile loads pg_stat_statements this way). Defaults to none.
    /// </summary>
    public IReadOnlyDictionary<string, string> PostgresSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Extra environment variables per resource name, such as the short timeouts a test suite runs
    /// with. Defaults to none.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ResourceEnvironment { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>Receives every output line as (resource, line). Defaults to the console.</summary>
    public Action<string, string>? LogSink { get; init; }
}
