using JobPlatform.AppHost.Hosting;

namespace JobPlatform.AppHost.Dashboard;

/// <summary>What a resource is, for the dashboard: the same words the graph is declared with.</summary>
public enum ResourceKind
{
    Project,
    Postgres,
    Database,
    SqsEmulator,
    ViteApp,
    DevTenant,
    Prometheus,
}

/// <summary>A replica's health as last probed by <see cref="HealthMonitor"/>.</summary>
public enum ReplicaHealth
{
    /// <summary>Not probed yet.</summary>
    Unknown,
    Healthy,
    Unhealthy,
    /// <summary>No process runs: stopped, or waiting to be restarted.</summary>
    Down,
}

/// <summary>One process of a resource, and how to probe it.</summary>
internal sealed record Replica(string Resource, SupervisedProcess Process, Uri? Url, Func<CancellationToken, Task<bool>>? Probe);

/// <summary>
/// The graph's resources as the dashboard shows them: kinds, states, addresses and replicas, and the
/// console sources of each. Generated secrets are left out.
/// </summary>
internal sealed class ResourceCatalog(IReadOnlyList<Resource> resources)
{
    public IEnumerable<Resource> Resources => resources.Where(r => r is not SecretResource);

    public Resource? Find(string name) => Resources.FirstOrDefault(r => r.Name == name);

    public static ResourceKind KindOf(Resource resource) => resource switch
    {
        ProjectResource => ResourceKind.Project,
        PostgresServerResource => ResourceKind.Postgres,
        PostgresDatabaseResource => ResourceKind.Database,
        SqsEmulatorResource => ResourceKind.SqsEmulator,
        ViteAppResource => ResourceKind.ViteApp,
        DevTenantResource => ResourceKind.DevTenant,
        PrometheusResource => ResourceKind.Prometheus,
        _ => throw new InvalidOperationException($"The dashboard does not know resources like '{resource.Name}' ({resource.GetType().Name})."),
    };

    /// <summary>Where a person reaches the resource: its own address, not its replicas'.</summary>
    public static IReadOnlyList<string> UrlsOf(Resource resource) => resource switch
    {
        ProjectResource { HasHttpEndpoint: true } project => [project.Url.ToString().TrimEnd('/')],
        ViteAppResource vite => [vite.Url.ToString().TrimEnd('/')],
        PrometheusResource prometheus => [prometheus.Url.ToString().TrimEnd('/')],
        SqsEmulatorResource sqs => [sqs.ServiceUrl],
        PostgresServerResource or PostgresDatabaseResource => [resource.DisplayUrl!],
        _ => [],
    };

    /// <summary>The resource's processes now (a project's replicas; a server's one process; none for the rest).</summary>
    public static IReadOnlyList<Replica> ReplicasOf(Resource resource) => resource switch
    {
        ProjectResource project => [.. project.ReplicaEndpoints.Select(r =>
        {
            var url = new Uri($"http://localhost:{r.Port}");
            return new Replica(project.Name, r.Process, url, ct => HttpOkAsync(new Uri(url, ProjectResource.HealthPath), ct));
        })],
        PostgresServerResource { Process: { } process } postgres => [new Replica(postgres.Name, process, null, ct => TcpOpenAsync(postgres.Port, ct))],
        SqsEmulatorResource { Process: { } process } sqs => [new Replica(sqs.Name, process, null, ct => HttpOkAsync(new Uri($"{sqs.ServiceUrl}/health"), ct))],
        ViteAppResource { Process: { } process } vite => [new Replica(vite.Name, process, vite.Url, ct => HttpOkAsync(vite.Url, ct))],
        PrometheusResource { Process: { } process } prometheus => [new Replica(prometheus.Name, process, prometheus.Url, ct => HttpOkAsync(new Uri(prometheus.Url, "/-/ready"), ct))],
        _ => [],
    };

    public IEnumerable<Replica> AllReplicas => Resources.SelectMany(ReplicasOf);

    public Replica? FindReplica(string name) => AllReplicas.FirstOrDefault(r => r.Process.Name == name);

    /// <summary>
    /// The console sources a name stands for: a resource's replicas (a database's server), one
    /// replica, or the AppHost's own lines; null when the name is none of these.
    /// </summary>
    public IReadOnlyList<string>? ConsoleSources(string name)
    {
        if (name == ResourceLog.AppHostSource)
        {
            return [ResourceLog.AppHostSource];
        }
        return Find(name) switch
        {
            ProjectResource project => [.. Enumerable.Range(1, project.Replicas).Select(i => project.Replicas == 1 ? project.Name : $"{project.Name}-{i}")],
            PostgresDatabaseResource database => [database.Server.Name],
            // A tenant runs no process: what the AppHost did about it is in the AppHost's lines.
            DevTenantResource => [ResourceLog.AppHostSource],
            { } resource => [resource.Name],
            null => FindReplica(name) is { } replica ? [replica.Process.Name] : null,
        };
    }

    private static async Task<bool> HttpOkAsync(Uri url, CancellationToken ct)
    {
        using var response = await Probes.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        return response.IsSuccessStatusCode;
    }

    private static async Task<bool> TcpOpenAsync(int port, CancellationToken ct)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port, ct);
        return true;
    }

    private static readonly HttpClient Probes = new();
}
