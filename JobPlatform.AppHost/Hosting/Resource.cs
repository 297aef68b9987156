namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// One node of the graph: something the AppHost starts, waits on, stops, and can reference from
/// other resources' configuration.
/// </summary>
public abstract class Resource(string name)
{
    public string Name { get; } = name;

    public ResourceState State { get; internal set; } = ResourceState.NotStarted;

    /// <summary>Resources that must be healthy before this one starts.</summary>
    internal List<Resource> WaitsFor { get; } = [];

    /// <summary>Resources whose connection details this one receives as environment variables.</summary>
    internal List<Resource> References { get; } = [];

    /// <summary>Where a person can reach it, for the summary table.</summary>
    public virtual string? DisplayUrl => null;

    /// <summary>The resource that actually runs and turns healthy, for WaitFor.</summary>
    internal virtual Resource Runnable => this;

    /// <summary>The environment variables a referencing resource receives, the Aspire way.</summary>
    internal virtual IEnumerable<KeyValuePair<string, string>> GetReferenceEnvironment() =>
        throw new InvalidOperationException($"Resource '{Name}' cannot be referenced.");

    /// <summary>Resources whose connection details this one receives, in the order they were referenced.</summary>
    public IReadOnlyList<Resource> ReferencedResources => References;

    /// <summary>How the resource runs as a container of its own when the graph is published; null when it does not (a database on a server).</summary>
    public virtual ContainerSpec? Container => null;

    /// <summary>
    /// The environment variables a referencing resource receives when both run in a cluster: the same
    /// names as <see cref="GetReferenceEnvironment"/>, with Service names instead of local addresses
    /// and secrets as Secret keys.
    /// </summary>
    internal virtual IEnumerable<DeploymentVariable> GetDeploymentReferenceEnvironment() =>
        throw new InvalidOperationException($"Resource '{Name}' cannot be referenced from a deployment.");

    /// <summary>Adds what each referenced resource passes (connection strings, endpoints) to <paramref name="environment"/>.</summary>
    internal void AddReferenceEnvironment(IDictionary<string, string?> environment)
    {
        foreach (var reference in References)
        {
            foreach (var (key, value) in reference.GetReferenceEnvironment())
            {
                environment[key] = value;
            }
        }
    }

    /// <summary>Ports that must be free before anything starts, with the option that changes each.</summary>
    internal virtual IEnumerable<(int Port, string Option)> FixedPorts => [];

    /// <summary>Starts the resource and returns once it is healthy.</summary>
    internal abstract Task StartAsync(AppHostContext context, CancellationToken ct);

    internal abstract Task StopAsync();
}

/// <summary>What every resource gets while it starts: options, paths, the log and the clock.</summary>
internal sealed record AppHostContext(AppHostOptions Options, string RepositoryRoot, string BuildConfiguration, string DataDirectory, ResourceLog Log)
{
    /// <summary>
    /// The OpenTelemetry exporter settings every project replica gets in the development loop (the
    /// dashboard's receiver and key); empty without a dashboard. Publishing never reads it.
    /// </summary>
    public IReadOnlyDictionary<string, string> TelemetryEnvironment { get; set; } = new Dictionary<string, string>();
}
