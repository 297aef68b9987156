using System.Globalization;
using JobPlatform.AppHost.Hosting;
using k8s.Models;

namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// The environment a published project gets: the variables Aspire gives it (its environment
/// callbacks, run as for publishing) under the same names, with cluster values
/// (<see cref="ClusterValues"/>): plain values in the service's ConfigMap, secrets as Secret keys,
/// per-pod values from the downward API.
/// </summary>
internal sealed class ContainerEnvironment
{
    /// <summary>The pod's own name, from the downward API; per-replica values are built from it.</summary>
    public const string PodNameVariable = "POD_NAME";

    /// <summary>
    /// What Aspire sets for a process of the development loop (its URLs and ports, its telemetry
    /// exporter): a container states its own (<see cref="ForAsync"/>) or keeps the image's defaults.
    /// </summary>
    private static readonly string[] DevelopmentLoopPrefixes = ["ASPNETCORE_", "DOTNET_", "OTEL_", "HTTP_PORTS", "HTTPS_PORTS", "Kestrel__"];

    /// <summary>Values for the service's ConfigMap (base).</summary>
    public SortedDictionary<string, string> ConfigMap { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Values only the <c>kind</c> overlay sets (its ConfigMap patch): where the emulator runs in the
    /// cluster, and what the model sets for a development cluster (<see cref="DevelopmentClusterEnvironmentAnnotation"/>).
    /// </summary>
    public SortedDictionary<string, string> KindOnly { get; } = new(StringComparer.Ordinal);

    /// <summary>Variables set on the container itself: secrets and per-pod values, in order.</summary>
    public List<V1EnvVar> Variables { get; } = [];

    /// <summary>Every Secret key the container reads, with the resource that owns it.</summary>
    public List<(IResource Owner, SecretKey Key)> Secrets { get; } = [];

    /// <summary>What <paramref name="project"/> receives in a cluster: the development loop's names, cluster values.</summary>
    public static async Task<ContainerEnvironment> ForAsync(ProjectResource project, CancellationToken ct)
    {
        var environment = new ContainerEnvironment();
        environment.ConfigMap["OTEL_SERVICE_NAME"] = project.Name;
        environment.ConfigMap["ASPNETCORE_URLS"] = $"http://+:{PublishedModel.Container(project).Port.ToString(CultureInfo.InvariantCulture)}";

        var developmentOnly = project.Annotations.OfType<DevelopmentOnlyEnvironmentAnnotation>().Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var perReplica = project.Annotations.OfType<ReplicaNameEnvironmentAnnotation>().Select(a => a.Name).ToList();
        var secrets = new List<ClusterVariable>();
        foreach (var (name, value) in await EvaluateAsync(project, ct))
        {
            if (developmentOnly.Contains(name) || perReplica.Contains(name) || IsDevelopmentLoopSetting(name, value))
            {
                continue;
            }
            var variable = ClusterValues.For(project, name, value);
            if (variable.Secret is not null)
            {
                secrets.Add(variable);
            }
            else if (variable.EmulatorOnly)
            {
                environment.KindOnly[name] = variable.Value!;
            }
            else
            {
                environment.ConfigMap[name] = variable.Value!;
            }
        }
        foreach (var annotation in project.Annotations.OfType<DevelopmentClusterEnvironmentAnnotation>())
        {
            environment.KindOnly[annotation.Name] = annotation.Value;
        }

        // The credentials of what it references first, then the graph's own secrets.
        foreach (var variable in secrets.OrderBy(v => v.Owner is ParameterResource))
        {
            environment.Variables.Add(SecretVariable(variable.Name, variable.Secret!));
            environment.Secrets.Add((variable.Owner!, variable.Secret!));
        }
        environment.Variables.Add(new V1EnvVar
        {
            Name = PodNameVariable,
            ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } },
        });
        // Kubernetes expands $(POD_NAME) in later values, as Aspire passes each replica its name.
        environment.Variables.Add(new V1EnvVar { Name = "OTEL_RESOURCE_ATTRIBUTES", Value = $"service.instance.id=$({PodNameVariable})" });
        foreach (var name in perReplica)
        {
            environment.Variables.Add(new V1EnvVar { Name = name, Value = $"$({PodNameVariable})" });
        }
        return environment;
    }

    /// <summary>The variables Aspire's environment callbacks give <paramref name="resource"/> when publishing, unresolved (references stay references), in the order they set them.</summary>
    public static async Task<Dictionary<string, object>> EvaluateAsync(IResource resource, CancellationToken ct)
    {
        var variables = new Dictionary<string, object>(StringComparer.Ordinal);
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish), resource, variables, ct);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }
        return variables;
    }

    public static V1EnvVar SecretVariable(string name, SecretKey secret) => new()
    {
        Name = name,
        ValueFrom = new V1EnvVarSource
        {
            SecretKeyRef = new V1SecretKeySelector { Name = secret.SecretName, Key = secret.Key, Optional = secret.Optional ? true : null },
        },
    };

    // An endpoint under any name but services__ is Aspire's endpoint injection (API_HTTP); the
    // services read service discovery's form, which the cluster keeps.
    private static bool IsDevelopmentLoopSetting(string name, object value) =>
        DevelopmentLoopPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal))
        || (value is EndpointReference && !name.StartsWith("services__", StringComparison.Ordinal));
}
