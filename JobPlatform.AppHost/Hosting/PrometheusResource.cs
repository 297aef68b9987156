using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// Debian's Prometheus as an Aspire executable resource, scraping <c>/metrics</c> on every replica of
/// the projects it targets. Replicas reach it through file-based service discovery: one file per
/// project, rewritten whenever a replica starts or stops, each target's <c>instance</c> label the
/// replica's name (as <c>service.instance.id</c> is in OTLP).
/// </summary>
public sealed class PrometheusResource(string name, string workingDirectory)
    : ExecutableResource(name, "prometheus", workingDirectory)
{
    /// <summary>How often each target is scraped. Defaults to 5 s.</summary>
    public TimeSpan ScrapeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The projects whose replicas it scrapes.</summary>
    public List<ProjectResource> Targets { get; } = [];

    public string TargetsFile(ProjectResource project) => Path.Combine(WorkingDirectory, "targets", $"{project.Name}.json");
}

public static class PrometheusBuilderExtensions
{
    /// <summary>The path every project serves its Prometheus text on (ServiceDefaults' MapDefaultEndpoints).</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Adds Prometheus, its configuration and data in <paramref name="directory"/>, serving on <paramref name="port"/> (any free port when null).</summary>
    public static IResourceBuilder<PrometheusResource> AddPrometheus(this IDistributedApplicationBuilder builder, string name, string directory, int? port = null)
    {
        var prometheus = new PrometheusResource(name, directory);
        builder.Services.AddHostedService(services => new PrometheusTargetWriter(prometheus, services.GetRequiredService<ResourceNotificationService>(),
            services.GetRequiredService<ILogger<PrometheusTargetWriter>>()));
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(prometheus, async (_, ct) =>
        {
            if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, prometheus.Command))))
            {
                throw new DistributedApplicationException($"'{name}' needs Prometheus ('{prometheus.Command}' is not on PATH). Install it with: apt-get install prometheus");
            }
            Directory.CreateDirectory(Path.Combine(directory, "targets"));
            foreach (var project in prometheus.Targets.Where(p => !File.Exists(prometheus.TargetsFile(p))))
            {
                await File.WriteAllTextAsync(prometheus.TargetsFile(project), "[]", ct);
            }
            await File.WriteAllTextAsync(Path.Combine(directory, "prometheus.yml"), Configuration(prometheus), ct);
        });
        Directory.CreateDirectory(directory);
        return builder.AddResource(prometheus)
            .WithHttpEndpoint(port: port)
            .WithArgs(context =>
            {
                context.Args.Add($"--config.file={Path.Combine(directory, "prometheus.yml")}");
                context.Args.Add($"--storage.tsdb.path={Path.Combine(directory, "data")}");
                context.Args.Add("--storage.tsdb.retention.time=2d");
                context.Args.Add("--log.level=warn");
                context.Args.Add(ReferenceExpression.Create($"--web.listen-address=127.0.0.1:{prometheus.GetEndpoint("http").Property(EndpointProperty.TargetPort)}"));
            })
            .WithHttpHealthCheck("/-/ready")
            .WithIconName("ChartMultiple")
            .ExcludeFromManifest();
    }

    /// <summary>Scrapes every replica of <paramref name="project"/>, and starts once it is healthy.</summary>
    public static IResourceBuilder<PrometheusResource> WithScrapeTarget(this IResourceBuilder<PrometheusResource> builder, IResourceBuilder<ProjectResource> project)
    {
        builder.Resource.Targets.Add(project.Resource);
        return builder.WaitFor(project);
    }

    /// <summary>How often every target is scraped (whole seconds, at least 1).</summary>
    public static IResourceBuilder<PrometheusResource> WithScrapeInterval(this IResourceBuilder<PrometheusResource> builder, TimeSpan interval)
    {
        builder.Resource.ScrapeInterval = interval;
        return builder;
    }

    private static string Configuration(PrometheusResource prometheus)
    {
        var interval = $"{(int)Math.Max(1, prometheus.ScrapeInterval.TotalSeconds)}s";
        var yaml = new StringBuilder();
        yaml.AppendLine("# Written by the AppHost on every start: edits are lost.");
        yaml.AppendLine("global:");
        yaml.AppendLine($"  scrape_interval: {interval}");
        yaml.AppendLine($"  evaluation_interval: {interval}");
        yaml.AppendLine("scrape_configs:");
        foreach (var project in prometheus.Targets)
        {
            yaml.AppendLine($"  - job_name: {project.Name}");
            yaml.AppendLine($"    metrics_path: {MetricsPath}");
            yaml.AppendLine("    file_sd_configs:");
            yaml.AppendLine($"      - files: ['{prometheus.TargetsFile(project)}']");
            yaml.AppendLine($"        refresh_interval: {interval}");
        }
        return yaml.ToString();
    }
}

/// <summary>
/// Keeps Prometheus's target files in step with the running replicas: each replica's own address is
/// the <c>ASPNETCORE_URLS</c> Aspire gave it (the endpoint's proxy would spread scrapes over replicas).
/// </summary>
internal sealed class PrometheusTargetWriter(PrometheusResource prometheus, ResourceNotificationService notifications, ILogger<PrometheusTargetWriter> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, (string Project, string? Address)> _replicas = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await notifications.FollowResourcesAsync("Writing Prometheus targets", logger, async (e, ct) =>
        {
            if (e.Resource is not ProjectResource project || !prometheus.Targets.Contains(project))
            {
                return;
            }
            var address = e.Snapshot.State?.Text == KnownResourceStates.Running ? ReplicaAddress(e.Snapshot) : null;
            // Named as the dashboard names it: a project of one replica by its own name, a replica by its id.
            var instance = project.GetReplicaCount() == 1 ? project.Name : e.ResourceId;
            var seen = _replicas.TryGetValue(instance, out var known);
            if (seen && known.Address == address)
            {
                return;
            }
            _replicas[instance] = (project.Name, address);
            try
            {
                await WriteTargetsAsync(project, ct);
            }
            catch
            {
                // Forget the change, so that the next update of this replica writes the file again.
                if (seen)
                {
                    _replicas[instance] = known;
                }
                else
                {
                    _replicas.TryRemove(instance, out _);
                }
                throw;
            }
        }, stoppingToken);
    }

    private async Task WriteTargetsAsync(ProjectResource project, CancellationToken ct)
    {
        var targets = _replicas.Where(r => r.Value.Project == project.Name && r.Value.Address is not null).OrderBy(r => r.Key)
            .Select(r => new { targets = new[] { r.Value.Address }, labels = new Dictionary<string, string> { ["instance"] = r.Key } });
        var file = prometheus.TargetsFile(project);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        // Written to a temporary name and moved, so Prometheus never reads half a file.
        await File.WriteAllTextAsync(file + ".tmp", JsonSerializer.Serialize(targets), ct);
        File.Move(file + ".tmp", file, overwrite: true);
    }

    /// <summary>host:port of the replica's own HTTP listener, from the environment Aspire started it with.</summary>
    internal static string? ReplicaAddress(CustomResourceSnapshot snapshot) =>
        (snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == "ASPNETCORE_URLS")?.Value ?? "").Split(';')
            .Select(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>().FirstOrDefault(uri => uri.Scheme == "http") is { } http ? $"{http.Host}:{http.Port}" : null;
}
