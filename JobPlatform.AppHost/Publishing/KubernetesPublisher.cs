namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// Writes the graph the development loop runs (the builder's resources: Aspire's projects, our
/// executable resources, parameters) as a kustomize tree, as Aspirate does for an Aspire AppHost:
/// <c>base</c> (the services, PostgreSQL, the migration Job, scaling and network policies),
/// <c>overlays/kind</c> (the SQS emulator in the cluster, small sizes), <c>overlays/aws</c> (real SQS,
/// an external PostgreSQL from Secrets), the optional <c>components/keda</c> (workers scaled on queue
/// depth) and <c>overlays/kind-keda</c> (kind with it). Nothing runs: it reads the model only.
/// </summary>
public static class KubernetesPublisher
{
    /// <summary>The namespace the overlays deploy into.</summary>
    public const string Namespace = "jobplatform";

    /// <summary>The tag the kind overlay runs (the images docs/kubernetes.md builds and loads).</summary>
    public const string KindImageTag = "dev";

    /// <summary>Where the aws overlay expects the images until it is edited to name a real registry.</summary>
    public const string AwsRegistryPlaceholder = "registry.example.com";

    /// <summary>The tag the aws overlay expects until it is edited.</summary>
    public const string AwsTagPlaceholder = "1.0.0";

    /// <summary>The subfolders of the output folder that publishing owns and rewrites.</summary>
    public static readonly IReadOnlyList<string> PublishedFolders = ["base", "overlays", "components"];

    /// <summary>Writes the tree of <paramref name="builder"/>'s graph into <paramref name="outputDirectory"/> (its published folders are replaced) and returns the files written.</summary>
    public static async Task<IReadOnlyList<string>> PublishAsync(IDistributedApplicationBuilder builder, string outputDirectory, CancellationToken ct = default)
    {
        var directories = await new PublishedTree(new PublishedModel(builder.Resources)).BuildAsync(ct);
        foreach (var folder in PublishedFolders)
        {
            var path = Path.Combine(outputDirectory, folder);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        return directories.SelectMany(d => d.Write(outputDirectory)).ToList();
    }
}
