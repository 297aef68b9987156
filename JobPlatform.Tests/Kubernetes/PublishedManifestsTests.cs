using System.Diagnostics;
using JobPlatform.AppHost.Publishing;

namespace JobPlatform.Tests.Kubernetes;

/// <summary>The committed deploy/k8s is exactly what the model publishes: the manifests cannot drift from it.</summary>
public sealed class PublishedManifestsTests : IDisposable
{
    private const string Regenerate = "Regenerate it from the repository root with: dotnet run --project JobPlatform.AppHost -- publish --output deploy/k8s";

    private readonly string _output = Path.Combine(Path.GetTempPath(), $"jobplatform-k8s-{Guid.NewGuid():N}");

    [Fact]
    public async Task CommittedManifests_MatchAFreshPublish()
    {
        await using var graph = await DeclaredGraph.CreateAsync();
        await KubernetesPublisher.PublishAsync(graph, _output);

        AssertSameTree(_output);
    }

    [Fact]
    public async Task PublishCommand_WritesTheCommittedManifests()
    {
        var appHost = Path.Combine(AppContext.BaseDirectory, "JobPlatform.AppHost.dll");
        var start = new ProcessStartInfo("dotnet", [appHost, "publish", "--output", _output]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, $"publish exited with {process.ExitCode}: {await stdout}{await stderr}");
        Assert.Contains("Wrote", await stdout);
        AssertSameTree(_output);
    }

    [Fact]
    public async Task Publish_ReplacesStaleFiles_InTheFoldersItOwns()
    {
        var stale = Path.Combine(_output, "base", "left-over.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(stale)!);
        File.WriteAllText(stale, "kind: ConfigMap\n");
        var unrelated = Path.Combine(_output, "notes.md");
        File.WriteAllText(unrelated, "mine");

        await using var graph = await DeclaredGraph.CreateAsync();
        await KubernetesPublisher.PublishAsync(graph, _output);

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(unrelated));
    }

    private static void AssertSameTree(string published)
    {
        var committedRoot = RenderedOverlay.ManifestsRoot;
        var committed = Files(committedRoot);
        var fresh = Files(published);

        var missing = fresh.Keys.Except(committed.Keys).Order().ToList();
        var extra = committed.Keys.Except(fresh.Keys).Order().ToList();
        var changed = fresh.Keys.Intersect(committed.Keys).Where(k => fresh[k] != committed[k]).Order().ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0 && changed.Count == 0,
            $"deploy/k8s differs from what the model publishes. Not committed: [{string.Join(", ", missing)}]; " +
            $"no longer published: [{string.Join(", ", extra)}]; changed: [{string.Join(", ", changed)}]. {Regenerate}");
    }

    private static Dictionary<string, string> Files(string root) =>
        KubernetesPublisher.PublishedFolders
            .Select(folder => Path.Combine(root, folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            .ToDictionary(path => Path.GetRelativePath(root, path).Replace('\\', '/'), File.ReadAllText);

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }
}
