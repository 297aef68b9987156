using System.Diagnostics;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Web;

/// <summary>
/// Runs the console's Vitest suite, so README's one test command covers the components too. In the
/// graph collection because the fixture's start of the console ran <c>npm ci</c> first.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class ComponentTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task VitestSuite_Passes()
    {
        var webDirectory = Path.Combine(fixture.App.RepositoryRoot, "JobPlatform.Web");
        using var npm = Process.Start(new ProcessStartInfo("npm", "test")
        {
            WorkingDirectory = webDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["CI"] = "true", ["NO_COLOR"] = "1" },
        })!;
        var output = npm.StandardOutput.ReadToEndAsync();
        var errors = npm.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await npm.WaitForExitAsync(timeout.Token);

        Assert.True(npm.ExitCode == 0, $"npm test exited with {npm.ExitCode}:\n{await output}\n{await errors}");
        Assert.Contains("passed", await output);
    }
}
