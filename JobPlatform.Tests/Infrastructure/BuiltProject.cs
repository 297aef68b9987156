using System.Diagnostics;
using JobPlatform.Tests.Kubernetes;

namespace JobPlatform.Tests.Infrastructure;

/// <summary>A project of the solution started as its container runs it: from its build's folder, with only the environment given.</summary>
public static class BuiltProject
{
    /// <summary>What the process keeps of the test's own environment: what <c>dotnet</c> needs to run.</summary>
    private static readonly string[] Inherited = ["PATH", "HOME", "DOTNET_ROOT", "TMPDIR"];

    /// <summary>How to start <paramref name="project"/> (e.g. <c>JobPlatform.Api</c>) with <paramref name="args"/>, its output redirected.</summary>
    public static ProcessStartInfo StartInfo(string project, IEnumerable<string>? args, IReadOnlyDictionary<string, string> environment)
    {
        var directory = Path.Combine(RenderedOverlay.RepositoryRoot, project, "bin", RenderedOverlay.BuildConfiguration, "net10.0");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(directory, $"{project}.dll"));
        foreach (var argument in args ?? [])
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment.Clear();
        foreach (var inherited in Inherited)
        {
            if (Environment.GetEnvironmentVariable(inherited) is { } value)
            {
                start.Environment[inherited] = value;
            }
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return start;
    }

    /// <summary>Runs <paramref name="start"/> (its output redirected) until it exits, within a minute; its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(start.ArgumentList.FirstOrDefault() ?? start.FileName)} did not exit within a minute:\n{await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
