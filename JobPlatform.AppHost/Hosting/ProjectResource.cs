using System.Globalization;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// A .NET project of the repository, run as <c>dotnet bin/{Configuration}/net10.0/{Project}.dll</c> in
/// its own folder (the AppHost's build builds it). Each replica is a process with its own port,
/// serving <c>/health</c>. Referencing it passes <c>services__{name}__http__0</c>.
/// </summary>
public sealed class ProjectResource(string name, string projectDirectory) : Resource(name), IResourceWithHttpEndpoint, IResourceWithEnvironment
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    /// <summary>The port a published project listens on inside its container (ASP.NET Core's container default).</summary>
    public const int ContainerPort = 8080;

    /// <summary>Readiness, served by every project through its service defaults.</summary>
    public const string HealthPath = "/health";

    /// <summary>Liveness, served by every project through its service defaults.</summary>
    public const string AlivePath = "/alive";

    /// <summary>Prometheus text, served by every project through its service defaults.</summary>
    public const string MetricsPath = "/metrics";

    // Replaced whole, never changed in place: the dashboard reads it while a start builds the next one.
    private List<(SupervisedProcess Process, int Port)> _replicas = [];
    private readonly Dictionary<int, int> _ports = [];

    /// <summary>The folder of the project, relative to the repository root.</summary>
    public string ProjectDirectory { get; } = projectDirectory;

    /// <summary>The port of the first replica; 0 picks a free one. Other replicas always get free ports.</summary>
    public int RequestedPort { get; set; }

    public bool HasHttpEndpoint { get; set; }

    public int Replicas { get; set; } = 1;

    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>Variables whose value is a generated secret: plain in development, a Secret key when published.</summary>
    public Dictionary<string, SecretResource> SecretEnvironment { get; } = [];

    /// <summary>Variables only the development loop sets; a published project keeps the service's defaults.</summary>
    public Dictionary<string, string> DevelopmentEnvironment { get; } = [];

    /// <summary>
    /// How long a stopping replica may take to finish its work, when it drains on SIGTERM; a published
    /// pod's termination grace covers it. Null for a project that stops at once.
    /// </summary>
    public TimeSpan? DrainTimeout { get; set; }

    /// <summary>Variables whose value depends on the replica, such as its name.</summary>
    internal Dictionary<string, Func<string, string>> ReplicaEnvironment { get; } = [];

    public Uri Url => new($"http://localhost:{(_replicas.Count > 0 ? _replicas[0].Port : RequestedPort)}");

    public override string? DisplayUrl => Replicas == 1 ? Url.ToString().TrimEnd('/') : $"{Replicas} replicas";

    internal IReadOnlyList<SupervisedProcess> Processes => _replicas.Select(r => r.Process).ToList();

    internal IReadOnlyList<(SupervisedProcess Process, int Port)> ReplicaEndpoints => _replicas.ToList();

    internal override IEnumerable<(int Port, string Option)> FixedPorts =>
        RequestedPort == 0 || Replicas == 0 ? [] : [(RequestedPort, $"--{Name}-port")];

    internal override IEnumerable<KeyValuePair<string, string>> GetReferenceEnvironment() =>
        [new($"services__{Name}__http__0", Url.ToString().TrimEnd('/'))];

    public override ContainerSpec Container => new($"jobplatform/{Name}", ContainerPort, HealthPath, AlivePath);

    internal override IEnumerable<DeploymentVariable> GetDeploymentReferenceEnvironment() =>
        [DeploymentVariable.Plain($"services__{Name}__http__0", $"http://{Name}:{ContainerPort.ToString(CultureInfo.InvariantCulture)}")];

    internal override async Task StartAsync(AppHostContext context, CancellationToken ct)
    {
        var directory = Path.Combine(context.RepositoryRoot, ProjectDirectory);
        var assembly = Path.Combine(directory, "bin", context.BuildConfiguration, "net10.0", $"{Path.GetFileName(ProjectDirectory)}.dll");
        if (!File.Exists(assembly))
        {
            throw new ResourceStartException(Name, $"has no build output at {assembly}. Build the solution first: dotnet build");
        }

        var replicas = new List<(SupervisedProcess Process, int Port)>();
        for (var index = 1; index <= Replicas; index++)
        {
            var replica = Replicas == 1 ? Name : $"{Name}-{index}";
            // A replica keeps its port across a stop and start, so whatever references it keeps working.
            if (!_ports.TryGetValue(index, out var port))
            {
                port = index == 1 && RequestedPort != 0 ? RequestedPort : Ports.FindFree();
                _ports[index] = port;
            }
            var environment = new Dictionary<string, string?>
            {
                ["ASPNETCORE_URLS"] = $"http://localhost:{port.ToString(CultureInfo.InvariantCulture)}",
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["DOTNET_ENVIRONMENT"] = "Development",
                ["OTEL_SERVICE_NAME"] = Name,
                ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={replica}",
                // One line per log entry reads well behind the resource prefix.
                ["Logging__Console__FormatterName"] = "simple",
                ["Logging__Console__FormatterOptions__SingleLine"] = "true",
                ["DOTNET_NOLOGO"] = "1",
            };
            foreach (var (key, value) in context.TelemetryEnvironment)
            {
                environment[key] = value;
            }
            AddReferenceEnvironment(environment);
            foreach (var (key, value) in DevelopmentEnvironment.Concat(Environment))
            {
                environment[key] = value;
            }
            foreach (var (key, secret) in SecretEnvironment)
            {
                environment[key] = secret.Value;
            }
            foreach (var (key, value) in ReplicaEnvironment)
            {
                environment[key] = value(replica);
            }
            var process = new SupervisedProcess(replica, new ProcessSpec("dotnet", [assembly], directory, environment), context.Log);
            replicas.Add((process, port));
        }
        _replicas = replicas;

        await Task.WhenAll(_replicas.Select(async replica =>
        {
            replica.Process.Start();
            await HealthWaiter.WaitAsync(replica.Process.Name, replica.Process,
                token => HealthWaiter.HttpOkAsync(new Uri($"http://localhost:{replica.Port}/health"), token),
                StartTimeout, context.Log, ct);
        }));
    }

    internal override Task StopAsync() => Task.WhenAll(_replicas.Select(r => r.Process.StopAsync()));
}

public static class ProjectBuilderExtensions
{
    /// <summary>Sets a variable whose value is computed from each replica's name (worker-1, worker-2, ...).</summary>
    public static ResourceBuilder<ProjectResource> WithReplicaEnvironment(this ResourceBuilder<ProjectResource> builder, string name, Func<string, string> value)
    {
        builder.Resource.ReplicaEnvironment[name] = value;
        return builder;
    }

    /// <summary>
    /// Sets the project's drain option <paramref name="name"/> (a <see cref="TimeSpan"/>) to
    /// <paramref name="drainTimeout"/> and remembers it, so a published pod gets time to drain.
    /// </summary>
    public static ResourceBuilder<ProjectResource> WithDrainTimeout(this ResourceBuilder<ProjectResource> builder, string name, TimeSpan drainTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(drainTimeout, TimeSpan.Zero);
        builder.Resource.Environment[name] = drainTimeout.ToString("c", CultureInfo.InvariantCulture);
        builder.Resource.DrainTimeout = drainTimeout;
        return builder;
    }

    /// <summary>Sets a variable for the development loop only: publishing leaves it out.</summary>
    public static ResourceBuilder<ProjectResource> WithDevelopmentEnvironment(this ResourceBuilder<ProjectResource> builder, string name, string value)
    {
        builder.Resource.DevelopmentEnvironment[name] = value;
        return builder;
    }
}
