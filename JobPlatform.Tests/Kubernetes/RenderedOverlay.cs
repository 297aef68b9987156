using System.Diagnostics;
using System.Reflection;
using JobPlatform.AppHost.Publishing;
using k8s;
using k8s.Models;

namespace JobPlatform.Tests.Kubernetes;

/// <summary>
/// One kustomize overlay of deploy/k8s rendered by <c>kubectl kustomize</c> and read back strictly
/// with KubernetesClient's models (and the KEDA models the publisher writes): an unknown field
/// anywhere fails the read.
/// </summary>
public sealed class RenderedOverlay
{
    /// <summary>Every overlay a user can apply.</summary>
    public static readonly string[] Names = ["kind", "aws", "kind-keda"];

    private static readonly Dictionary<string, Type> CustomKinds = new()
    {
        [$"{ScaledObject.KubeApiVersion}/{ScaledObject.KubeKind}"] = typeof(ScaledObject),
        [$"{ScaledObject.KubeApiVersion}/{TriggerAuthentication.KubeKind}"] = typeof(TriggerAuthentication),
    };

    private RenderedOverlay(string name, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects)
    {
        Name = name;
        Objects = objects;
    }

    public string Name { get; }

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects { get; }

    /// <summary>The repository this build came from: the folder of JobPlatform.sln above the test binaries.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The build configuration the projects were built in (the tests', as one build builds them all).</summary>
    public static string BuildConfiguration { get; } = typeof(RenderedOverlay).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

    public static string ManifestsRoot => Path.Combine(RepositoryRoot, "deploy", "k8s");

    public static Task<RenderedOverlay> RenderAsync(string overlay) => RenderAsync(overlay, Path.Combine(ManifestsRoot, "overlays", overlay));

    /// <summary><c>base</c> alone, which no one applies as it is: what every overlay starts from.</summary>
    public static Task<RenderedOverlay> RenderBaseAsync() => RenderAsync("base", Path.Combine(ManifestsRoot, "base"));

    private static async Task<RenderedOverlay> RenderAsync(string name, string directory)
    {
        var yaml = await KustomizeAsync(directory);
        var objects = KubernetesYaml.LoadAllFromString(yaml, CustomKinds, strict: true)
            .Cast<IKubernetesObject<V1ObjectMeta>>()
            .ToList();
        return new RenderedOverlay(name, objects);
    }

    /// <summary>Runs <c>kubectl kustomize</c> on <paramref name="directory"/> and returns its output; fails with kubectl's message.</summary>
    public static async Task<string> KustomizeAsync(string directory)
    {
        var start = new ProcessStartInfo("kubectl", ["kustomize", directory]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {directory} failed ({process.ExitCode}): {await stderr}");
        return await stdout;
    }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T Get<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        All<T>().SingleOrDefault(o => o.Metadata.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"The {Name} overlay has no {typeof(T).Name} named '{name}'.");

    /// <summary>Every pod template of the overlay's workloads, by workload kind and name.</summary>
    public IEnumerable<(string Kind, string Name, V1PodTemplateSpec Template)> PodTemplates() =>
        All<V1Deployment>().Select(d => ("Deployment", d.Metadata.Name, d.Spec.Template))
            .Concat(All<V1StatefulSet>().Select(s => ("StatefulSet", s.Metadata.Name, s.Spec.Template)))
            .Concat(All<V1Job>().Select(j => ("Job", j.Metadata.Name, j.Spec.Template)));

    /// <summary>
    /// The environment a container starts with, as the kubelet builds it: its ConfigMaps
    /// (<c>envFrom</c>), then its own variables with Secret and ConfigMap keys looked up and
    /// <c>$(VAR)</c> references expanded. A key of an object the overlay does not hold is reported in
    /// <paramref name="missing"/> (for example a Secret the user creates).
    /// </summary>
    public Dictionary<string, string> EnvironmentOf(V1Container container, string podName, List<string>? missing = null)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            if (source.ConfigMapRef is { } reference)
            {
                foreach (var (key, value) in Get<V1ConfigMap>(reference.Name).Data ?? new Dictionary<string, string>())
                {
                    environment[key] = value;
                }
            }
        }
        foreach (var variable in container.Env ?? [])
        {
            string? value = variable.Value is { } plain ? Expand(plain, environment) : null;
            if (variable.ValueFrom?.SecretKeyRef is { } secretKey)
            {
                value = SecretValue(secretKey.Name, secretKey.Key);
                if (value is null && secretKey.Optional != true)
                {
                    missing?.Add($"Secret {secretKey.Name} key {secretKey.Key} (for {variable.Name})");
                }
            }
            else if (variable.ValueFrom?.ConfigMapKeyRef is { } configKey)
            {
                value = All<V1ConfigMap>().SingleOrDefault(c => c.Metadata.Name == configKey.Name)?.Data is { } data && data.TryGetValue(configKey.Key, out var found) ? found : null;
                if (value is null)
                {
                    missing?.Add($"ConfigMap {configKey.Name} key {configKey.Key} (for {variable.Name})");
                }
            }
            else if (variable.ValueFrom?.FieldRef is { FieldPath: "metadata.name" })
            {
                value = podName;
            }
            if (value is not null)
            {
                environment[variable.Name] = value;
            }
        }
        return environment;
    }

    private string? SecretValue(string name, string key)
    {
        var secret = All<V1Secret>().SingleOrDefault(s => s.Metadata.Name == name);
        if (secret?.StringData?.TryGetValue(key, out var text) == true)
        {
            return text;
        }
        return secret?.Data?.TryGetValue(key, out var bytes) == true ? System.Text.Encoding.UTF8.GetString(bytes) : null;
    }

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

    private static string Expand(string value, IReadOnlyDictionary<string, string> environment) =>
        System.Text.RegularExpressions.Regex.Replace(value, @"\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
            match => environment.TryGetValue(match.Groups[1].Value, out var found) ? found : match.Value);
}
