namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// <c>publish [--output|-o DIR]</c>: write the graph as Kubernetes manifests instead of running it.
/// The other options (<c>--workers</c>, ...) shape the graph as they do for a run.
/// </summary>
public static class PublishCommand
{
    /// <summary>Where the manifests go unless told otherwise, in the repository.</summary>
    public static readonly string DefaultOutput = Path.Combine("deploy", "k8s");

    /// <summary>
    /// Whether <paramref name="args"/> ask to publish; if so, <paramref name="output"/> is the full path
    /// of the folder to write, a relative one taken from <paramref name="repository"/>: <c>dotnet run</c>
    /// starts an Aspire AppHost in its own folder, not the caller's.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> args, string repository, out string output)
    {
        output = "";
        if (args.Count == 0 || args[0] != "publish")
        {
            return false;
        }
        var folder = DefaultOutput;
        for (var i = 1; i < args.Count; i++)
        {
            if (args[i] is "--output" or "-o" && i + 1 < args.Count)
            {
                folder = args[++i];
            }
            else if (args[i].StartsWith("--output=", StringComparison.Ordinal))
            {
                folder = args[i]["--output=".Length..];
            }
        }
        output = Path.GetFullPath(folder, repository);
        return true;
    }
}
