using k8s;

namespace JobPlatform.AppHost.Publishing;

/// <summary>One kustomize directory being published: its objects and patches, one per file, and its kustomization.yaml.</summary>
internal sealed class ManifestDirectory(string relativePath, Kustomization kustomization)
{
    /// <summary>The first line of every published file.</summary>
    public const string Header =
        "# Generated from JobPlatform.AppHost/Program.cs by: dotnet run --project JobPlatform.AppHost -- publish --output deploy/k8s\n" +
        "# Do not edit: change the model and publish again.\n";

    private readonly List<(string FileName, object Content)> _files = [];

    public string RelativePath { get; } = relativePath;

    public Kustomization Kustomization { get; } = kustomization;

    /// <summary>Adds a Kubernetes object as a resource of this directory.</summary>
    public void AddResource(k8s.IKubernetesObject<k8s.Models.V1ObjectMeta> resource)
    {
        var fileName = $"{resource.Metadata.Name}-{resource.Kind.ToLowerInvariant()}.yaml";
        _files.Add((fileName, resource));
        (Kustomization.Resources ??= []).Add(fileName);
    }

    /// <summary>Adds a strategic-merge patch file.</summary>
    public void AddPatch(string name, string kind, object patch)
    {
        var fileName = $"patch-{name}-{kind.ToLowerInvariant()}.yaml";
        _files.Add((fileName, patch));
        (Kustomization.Patches ??= []).Add(new KustomizePatch { Path = fileName });
    }

    /// <summary>Writes the directory's files under <paramref name="root"/> and returns their paths.</summary>
    public IEnumerable<string> Write(string root)
    {
        var directory = Path.Combine(root, RelativePath);
        Directory.CreateDirectory(directory);
        foreach (var (fileName, content) in _files.Append(("kustomization.yaml", Kustomization)))
        {
            var path = Path.Combine(directory, fileName);
            var yaml = KubernetesYaml.Serialize(content);
            File.WriteAllText(path, Header + yaml + (yaml.EndsWith('\n') ? "" : "\n"));
            yield return path;
        }
    }
}
