using CliWrap;
using CliWrap.Buffered;
using JobPlatform.Tests.Kubernetes;

namespace JobPlatform.Tests.Cli;

/// <summary>README's one command that installs jp, run as a newcomer would (into a folder of its own rather than ~/.dotnet/tools).</summary>
public sealed class InstallTests : IDisposable
{
    private readonly DirectoryInfo _tools = Directory.CreateTempSubdirectory("jp-tools-");

    [Fact]
    public async Task ToolsInstallJp_InstallsTheTool_ThatRuns()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var install = await CliWrap.Cli.Wrap(Path.Combine(RenderedOverlay.RepositoryRoot, "tools", "install-jp"))
            .WithArguments([_tools.FullName])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(timeout.Token);
        Assert.True(install.ExitCode == 0, install.StandardOutput + install.StandardError);
        Assert.Contains($"is installed in {_tools.FullName}", install.StandardOutput);

        var version = await CliWrap.Cli.Wrap(Path.Combine(_tools.FullName, "jp")).WithArguments(["--version"]).ExecuteBufferedAsync(timeout.Token);
        Assert.StartsWith("0.1.0-dev.", version.StandardOutput);
        var usage = await CliWrap.Cli.Wrap(Path.Combine(_tools.FullName, "jp")).WithArguments(["watch"]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(timeout.Token);
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("Required argument missing for command: 'watch'", usage.StandardError);
    }

    public void Dispose() => _tools.Delete(recursive: true);
}
