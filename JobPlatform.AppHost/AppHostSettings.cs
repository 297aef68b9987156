using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace JobPlatform.AppHost;

/// <summary>
/// How the AppHost runs the graph, from its configuration: the command line
/// (<c>dotnet run --project JobPlatform.AppHost -- --workers 5 --fresh</c>), <c>appsettings.json</c>
/// or the environment. A port left unset (or 0) is any free port.
/// </summary>
public sealed class AppHostSettings
{
    /// <summary>Worker replicas. Defaults to 3.</summary>
    public int Workers { get; init; } = 3;

    /// <summary>Replicas of the sample word-count worker pool (samples/WordCount). Defaults to 1.</summary>
    public int SampleWorkers { get; init; } = 1;

    /// <summary>The Api's port. Defaults to 5080.</summary>
    public int ApiPort { get; init; } = 5080;

    /// <summary>The web console's port. Defaults to 5173.</summary>
    public int WebPort { get; init; } = 5173;

    /// <summary>PostgreSQL's port. Defaults to 5432.</summary>
    public int PostgresPort { get; init; } = 5432;

    /// <summary>The SQS emulator's port. Defaults to 4566.</summary>
    public int SqsPort { get; init; } = 4566;

    /// <summary>Prometheus's port, with <see cref="Prometheus"/>. Defaults to 9090.</summary>
    public int PrometheusPort { get; init; } = 9090;

    /// <summary>Wipe the local data (PostgreSQL, queues) before starting. Defaults to false.</summary>
    public bool Fresh { get; init; }

    /// <summary>Where local data lives. Defaults to <c>.jobplatform</c> in the repository.</summary>
    public string? DataDir { get; init; }

    /// <summary>Start the web console. Defaults to true.</summary>
    public bool Web { get; init; } = true;

    /// <summary>Start Prometheus, scraping the Api and every worker replica. Defaults to false.</summary>
    public bool Prometheus { get; init; }

    /// <summary>How often Prometheus scrapes, when it runs. Defaults to 5 s.</summary>
    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Run for a test suite: PostgreSQL without fsync, queues in memory. Defaults to false.</summary>
    public bool Testing { get; init; }

    /// <summary>
    /// Keep the emulator's queues on disk, so queued tasks survive a restart as they would in real
    /// SQS. Defaults to true, false when <see cref="Testing"/>. The benchmark turns it off: real
    /// SQS's storage does not run on the machine being measured.
    /// </summary>
    public bool? PersistQueues { get; init; }

    /// <summary>Also write every resource's output to the AppHost's console, each line under its resource's name. Defaults to false (the dashboard shows it).</summary>
    public bool ConsoleLogs { get; init; }

    /// <summary>Extra PostgreSQL settings (<c>--PostgresSettings:name=value</c>), passed as <c>-c name=value</c>. Defaults to none.</summary>
    public Dictionary<string, string> PostgresSettings { get; init; } = [];

    /// <summary>The options that take no value on the command line: <c>--fresh</c> means <c>--fresh true</c>.</summary>
    private static readonly string[] Switches = ["fresh", "prometheus", "testing", "web", "persist-queues", "console-logs"];

    private static readonly string[] Known =
    [
        "workers", "sample-workers", "api-port", "web-port", "postgres-port", "sqs-port", "prometheus-port", "data-dir", "scrape-interval",
        "postgres-setting", "output", .. Switches,
        // Aspire's own.
        "publisher", "output-path", "operation", "step", "environment", "log-level", "applicationName", "contentRoot",
    ];

    /// <summary>
    /// The command line as .NET's configuration reads it: <c>--fresh</c> alone becomes
    /// <c>--fresh=true</c>, and dashed names (<c>--api-port</c>) become the settings' keys. Throws
    /// <see cref="AppHostSettingsException"/> for an option it does not know.
    /// </summary>
    public static string[] NormalizeArguments(string[] args)
    {
        var normalized = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            // publish's -o: .NET's configuration takes no single-dash option it was not told of.
            var arg = args[i] == "-o" ? "--output" : args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                normalized.Add(arg);
                continue;
            }
            var (name, value) = arg.IndexOf('=') is var eq and > 0 ? (arg[2..eq], arg[(eq + 1)..]) : (arg[2..], null);
            if (!name.Contains(':') && !Known.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new AppHostSettingsException($"Unknown option --{name}. Options: {string.Join(", ", Known.Take(Known.Length - 8).Select(k => "--" + k))}.");
            }
            if (value is null && Switches.Contains(name, StringComparer.OrdinalIgnoreCase)
                && (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal)))
            {
                value = "true";
            }
            var key = name.Equals("postgres-setting", StringComparison.OrdinalIgnoreCase) ? null : name.Replace("-", "", StringComparison.Ordinal);
            if (key is null)
            {
                // --postgres-setting name=value
                var setting = value ?? (i + 1 < args.Length ? args[++i] : "");
                var parts = setting.Split('=', 2);
                if (parts.Length != 2 || parts[0].Length == 0)
                {
                    throw new AppHostSettingsException($"--postgres-setting takes name=value, not '{setting}'.");
                }
                normalized.Add($"--PostgresSettings:{parts[0]}={parts[1]}");
                continue;
            }
            normalized.Add(value is null ? $"--{key}" : $"--{key}={value}");
        }
        return [.. normalized];
    }

    /// <summary>Reads and checks the settings; throws <see cref="AppHostSettingsException"/> naming the option that is wrong.</summary>
    public static AppHostSettings From(IConfiguration configuration)
    {
        AppHostSettings settings;
        try
        {
            settings = configuration.Get<AppHostSettings>() ?? new AppHostSettings();
        }
        catch (InvalidOperationException ex)
        {
            throw new AppHostSettingsException($"{ex.Message} {ex.InnerException?.Message}".Trim());
        }
        if (settings.Workers is < 0 or > 64)
        {
            throw new AppHostSettingsException("--workers must be from 0 to 64.");
        }
        if (settings.SampleWorkers is < 0 or > 64)
        {
            throw new AppHostSettingsException("--sample-workers must be from 0 to 64.");
        }
        foreach (var (_, option, port) in settings.Ports)
        {
            if (port is < 0 or > 65535)
            {
                throw new AppHostSettingsException($"{option} must be a port number from 0 to 65535.");
            }
        }
        return settings;
    }

    private IEnumerable<(string Resource, string Option, int Port)> Ports =>
    [
        ("api", "--api-port", ApiPort), ("postgres", "--postgres-port", PostgresPort), ("sqs", "--sqs-port", SqsPort),
        .. Web ? new[] { ("web", "--web-port", WebPort) } : [],
        .. Prometheus ? new[] { ("prometheus", "--prometheus-port", PrometheusPort) } : [],
    ];

    /// <summary>A port to ask Aspire for: null (any free port) for 0.</summary>
    public static int? Port(int port) => port == 0 ? null : port;

    /// <summary>
    /// A port for an endpoint without DCP's proxy, which needs one stated: a free one, chosen now, for 0.
    /// </summary>
    public static int FixedPort(int port)
    {
        if (port != 0)
        {
            return port;
        }
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Throws when a fixed port is taken, naming the port and its option: a clearer stop than a resource that fails to start.</summary>
    public void EnsurePortsFree()
    {
        foreach (var (resource, option, port) in Ports.Where(p => p.Port != 0))
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
            }
            catch (SocketException)
            {
                throw new AppHostSettingsException($"Port {port.ToString(CultureInfo.InvariantCulture)} for '{resource}' is already in use (by another AppHost, or a server of the machine's?). Choose another with {option}, or stop what holds it.");
            }
        }
    }
}

/// <summary>A setting the AppHost cannot run with; the message names the option.</summary>
public sealed class AppHostSettingsException(string message) : Exception(message);
