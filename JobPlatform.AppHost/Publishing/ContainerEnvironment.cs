using System.Globalization;
using JobPlatform.AppHost.Hosting;
using k8s.Models;

namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// The environment a published container gets, with the names the development loop passes: plain
/// values in the service's ConfigMap, secrets as Secret keys, per-pod values from the downward API.
/// </summary>
internal sealed class ContainerEnvironment
{
    /// <summary>The pod's own name, from the downward API; per-replica values are built from it.</summary>
    public const string PodNameVariable = "POD_NAME";

    /// <summary>Values for the service's ConfigMap (base).</summary>
    public SortedDictionary<string, string> ConfigMap { get; } = new(StringComparer.Ordinal);

    /// <summary>Values only where an emulator runs in the cluster (the <c>kind</c> overlay's ConfigMap patch).</summary>
    public SortedDictionary<string, string> EmulatorOnly { get; } = new(StringComparer.Ordinal);

    /// <summary>Variables set on the container itself: secrets and per-pod values, in order.</summary>
    public List<V1EnvVar> Variables { get; } = [];

    /// <summary>Every Secret key the container reads, with the resource that owns it.</summary>
    public List<(Resource Owner, SecretKey Key)> Secrets { get; } = [];

    /// <summary>What a project receives in a cluster: the dev loop's names, cluster values.</summary>
    public static ContainerEnvironment For(ProjectResource project)
    {
        var environment = new ContainerEnvironment();
        environment.ConfigMap["OTEL_SERVICE_NAME"] = project.Name;
        environment.ConfigMap["ASPNETCORE_URLS"] = $"http://+:{ProjectResource.ContainerPort.ToString(CultureInfo.InvariantCulture)}";
        environment.AddReferences(project);
        foreach (var (key, value) in project.Environment)
        {
            environment.ConfigMap[key] = value;
        }
        foreach (var (key, secret) in project.SecretEnvironment)
        {
            environment.Variables.Add(SecretVariable(key, secret.ClusterKey));
            environment.Secrets.Add((secret, secret.ClusterKey));
        }

        environment.Variables.Add(new V1EnvVar
        {
            Name = PodNameVariable,
            ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } },
        });
        // Kubernetes expands $(POD_NAME) in later values, as the AppHost passes each replica its name.
        environment.Variables.Add(new V1EnvVar { Name = "OTEL_RESOURCE_ATTRIBUTES", Value = $"service.instance.id=$({PodNameVariable})" });
        foreach (var (key, value) in project.ReplicaEnvironment)
        {
            environment.Variables.Add(new V1EnvVar { Name = key, Value = value($"$({PodNameVariable})") });
        }
        return environment;
    }

    /// <summary>What each resource <paramref name="resource"/> references passes it in a cluster.</summary>
    public void AddReferences(Resource resource)
    {
        foreach (var reference in resource.ReferencedResources)
        {
            foreach (var variable in reference.GetDeploymentReferenceEnvironment())
            {
                if (variable.Secret is { } secret)
                {
                    Variables.Add(SecretVariable(variable.Name, secret));
                    Secrets.Add((reference, secret));
                }
                else if (variable.EmulatorOnly)
                {
                    EmulatorOnly[variable.Name] = variable.Value!;
                }
                else
                {
                    ConfigMap[variable.Name] = variable.Value!;
                }
            }
        }
    }

    public static V1EnvVar SecretVariable(string name, SecretKey secret) => new()
    {
        Name = name,
        ValueFrom = new V1EnvVarSource
        {
            SecretKeyRef = new V1SecretKeySelector { Name = secret.SecretName, Key = secret.Key, Optional = secret.Optional ? true : null },
        },
    };
}
