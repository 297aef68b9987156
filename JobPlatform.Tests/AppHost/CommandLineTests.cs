using System.Diagnostics;
using JobPlatform.Tests.Infrastructure;
using System.Net;
using System.Net.Sockets;

namespace JobPlatform.Tests.AppHost;

/// <summary>The AppHost program itself, run as a user runs it, for the errors that stop it before anything starts.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task BusyPort_StopsAtOnce_NamingThePortAndItsOption()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var (exitCode, output) = await RunAppHostAsync("--api-port", port.ToString(), "--postgres-port", "0", "--sqs-port", "0", "--web", "false");

        Assert.Equal(2, exitCode);
        Assert.Contains($"Port {port} for 'api' is already in use", output);
        Assert.Contains("--api-port", output);
    }

    [Theory]
    [InlineData("--workers", "-1", "--workers must be from 0 to 64")]
    [InlineData("--api-port", "70000", "--api-port must be a port number")]
    [InlineData("--workers", "many", "many")]
    [InlineData("--unknown", "1", "--unknown")]
    public async Task BadOption_ExitsNonZero_WithAMessage(string option, string value, string expected)
    {
        var (exitCode, output) = await RunAppHostAsync(option, value);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(expected, output);
    }

    private static async Task<(int ExitCode, string Output)> RunAppHostAsync(params string[] arguments)
    {
        var appHost = Path.Combine(AppContext.BaseDirectory, "JobPlatform.AppHost.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(appHost);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return await BuiltProject.RunToExitAsync(start);
    }
}
