namespace JobPlatform.AppHost.Hosting;

/// <summary>Runs <c>npm ci</c> in a folder whose packages are not installed yet (the first run on a machine).</summary>
internal static class NpmInstaller
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public static async Task EnsureInstalledAsync(string resource, string directory, ResourceLog log, CancellationToken ct)
    {
        var marker = Path.Combine(directory, "node_modules", ".package-lock.json");
        var lockFile = Path.Combine(directory, "package-lock.json");
        if (File.Exists(marker) && File.GetLastWriteTimeUtc(marker) >= File.GetLastWriteTimeUtc(lockFile))
        {
            return;
        }

        // Two npm installs at once contend for npm's cache; they are quicker one after the other.
        await OneAtATime.WaitAsync(ct);
        try
        {
            log.Info(resource, $"installing npm packages in {directory} (first run only)");
            var result = await CliWrap.Cli.Wrap("npm")
                .WithArguments(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .WithWorkingDirectory(directory)
                .WithStandardOutputPipe(CliWrap.PipeTarget.ToDelegate(line => log.Write(resource, line)))
                .WithStandardErrorPipe(CliWrap.PipeTarget.ToDelegate(line => log.Write(resource, line)))
                .WithValidation(CliWrap.CommandResultValidation.None)
                .ExecuteAsync(ct);
            if (result.ExitCode != 0)
            {
                throw new ResourceStartException(resource, $"could not install its npm packages (npm ci exited with {result.ExitCode}):{Environment.NewLine}{log.Recent(resource)}");
            }
        }
        finally
        {
            OneAtATime.Release();
        }
    }
}
