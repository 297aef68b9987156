using Microsoft.Extensions.Logging;

namespace JobPlatform.AppHost.Hosting;

/// <summary>Runs <c>npm ci</c> in a folder whose packages are not installed yet (the first run on a machine), or older than its lock file.</summary>
internal static class NpmInstaller
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public static async Task EnsureInstalledAsync(string directory, ILogger log, CancellationToken ct)
    {
        // Two installs at once contend for npm's cache; they are quicker one after the other.
        await OneAtATime.WaitAsync(ct);
        try
        {
            var marker = Path.Combine(directory, "node_modules", ".package-lock.json");
            var lockFile = Path.Combine(directory, "package-lock.json");
            if (File.Exists(marker) && File.GetLastWriteTimeUtc(marker) >= File.GetLastWriteTimeUtc(lockFile))
            {
                return;
            }

            log.LogInformation("Installing npm packages in {Directory} (first run only)", directory);
            var output = new System.Text.StringBuilder();
            var result = await CliWrap.Cli.Wrap("npm")
                .WithArguments(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .WithWorkingDirectory(directory)
                .WithStandardOutputPipe(CliWrap.PipeTarget.ToStringBuilder(output))
                .WithStandardErrorPipe(CliWrap.PipeTarget.ToStringBuilder(output))
                .WithValidation(CliWrap.CommandResultValidation.None)
                .ExecuteAsync(ct);
            if (result.ExitCode != 0)
            {
                throw new DistributedApplicationException($"Could not install the npm packages in {directory} (npm ci exited with {result.ExitCode}):{Environment.NewLine}{output}");
            }
        }
        finally
        {
            OneAtATime.Release();
        }
    }
}
