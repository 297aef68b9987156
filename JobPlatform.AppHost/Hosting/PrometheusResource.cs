using System.Globalization;
using System.Text;
using System.Text.Json;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// Debian's Prometheus, scraping <c>/metrics</c> on every replica of the projects it targets. The
/// replicas' addresses reach it through file-based service discovery, one file per project, written
/// once their ports are known (a replica keeps its port across restarts); each target's
/// <c>instance</c> label is the replica's name, as <c>service.instance.id</c> is in OTLP.
/// </summary>
public sealed class PrometheusResource(string name, int port) : Resource(name)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Where Debian's package installs it.</summary>
    public const string Executable = "prometheus";

    private SupervisedProcess? _process;

    /// <summary>The port it serves its UI and query API on; 0 picks a free one.</summary>
    public int Port { get; private set; } = port;

    private readonly int _requestedPort = port;

    /// <summary>How often each target is scraped. Defaults to 5 s.</summary>
    public TimeSpan ScrapeInterval { get; set; } = TimeSpan.FromSeconds(5);

    internal List<ProjectResource> Targets { get; } = [];

    public Uri Url => new($"http://localhost:{Port.ToString(CultureInfo.InvariantCulture)}");

    public override string? DisplayUrl => Url.ToString().TrimEnd('/');

    internal override IEnumerable<(int Port, string Option)> FixedPorts => _requestedPort == 0 ? [] : [(_requestedPort, $"--{Name}-port")];

    internal override async Task StartAsync(AppHostContext context, CancellationToken ct)
    {
        var directory = Path.Combine(context.DataDirectory, Name);
        Directory.CreateDirectory(Path.Combine(directory, "targets"));
        foreach (var project in Targets)
        {
            // Written to a temporary name and moved, so Prometheus never reads half a file.
            var file = Path.Combine(directory, "targets", $"{project.Name}.json");
            await File.WriteAllTextAsync(file + ".tmp", TargetsJson(project), ct);
            File.Move(file + ".tmp", file, overwrite: true);
        }
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, Configuration(directory), ct);

        Port = _requestedPort == 0 ? Ports.FindFree() : _requestedPort;
        _process = new SupervisedProcess(Name, new ProcessSpec(Executable,
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}",
            "--storage.tsdb.retention.time=2d",
            "--log.level=warn",
        ], directory, new Dictionary<string, string?>()), context.Log);
        _process.Start();
        try
        {
            await HealthWaiter.WaitAsync(Name, _process, token => HealthWaiter.HttpOkAsync(new Uri(Url, "/-/ready"), token), StartTimeout, context.Log, ct);
        }
        catch (ResourceStartException) when (!IsInstalled())
        {
            throw new ResourceStartException(Name, $"needs Prometheus ('{Executable}' is not on PATH). Install it with: sudo apt-get install prometheus");
        }
    }

    internal override Task StopAsync() => _process?.StopAsync() ?? Task.CompletedTask;

    internal SupervisedProcess? Process => _process;

    private string Configuration(string directory)
    {
        var interval = $"{(int)Math.Max(1, ScrapeInterval.TotalSeconds)}s";
        var yaml = new StringBuilder();
        yaml.AppendLine("# Written by the AppHost on every start: edits are lost.");
        yaml.AppendLine("global:");
        yaml.AppendLine($"  scrape_interval: {interval}");
        yaml.AppendLine($"  evaluation_interval: {interval}");
        yaml.AppendLine("scrape_configs:");
        foreach (var project in Targets)
        {
            yaml.AppendLine($"  - job_name: {project.Name}");
            yaml.AppendLine($"    metrics_path: {ProjectResource.MetricsPath}");
            yaml.AppendLine("    file_sd_configs:");
            yaml.AppendLine($"      - files: ['{Path.Combine(directory, "targets", $"{project.Name}.json")}']");
            yaml.AppendLine($"        refresh_interval: {interval}");
        }
        return yaml.ToString();
    }

    private static string TargetsJson(ProjectResource project) => JsonSerializer.Serialize(
        project.ReplicaEndpoints.Select(replica => new
        {
            targets = new[] { $"localhost:{replica.Port.ToString(CultureInfo.InvariantCulture)}" },
            labels = new Dictionary<string, string> { ["instance"] = replica.Process.Name },
        }));

    private static bool IsInstalled() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(directory => File.Exists(Path.Combine(directory, Executable)));
}

public static class PrometheusBuilderExtensions
{
    /// <summary>Scrapes every replica of <paramref name="project"/>, and starts once it is healthy.</summary>
    public static ResourceBuilder<PrometheusResource> WithScrapeTarget(this ResourceBuilder<PrometheusResource> builder, ResourceBuilder<ProjectResource> project)
    {
        builder.Resource.Targets.Add(project.Resource);
        return builder.WaitFor(project);
    }

    /// <summary>How often every target is scraped (whole seconds, at least 1).</summary>
    public static ResourceBuilder<PrometheusResource> WithScrapeInterval(this ResourceBuilder<PrometheusResource> builder, TimeSpan interval)
    {
        builder.Resource.ScrapeInterval = interval;
        return builder;
    }
}
