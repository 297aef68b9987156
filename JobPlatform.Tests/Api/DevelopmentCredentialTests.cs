using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using JobPlatform.Tests.Kubernetes;
using k8s.Models;
using Npgsql;

namespace JobPlatform.Tests.Api;

/// <summary>
/// The built Api started as a process, as a pod starts it, with the credentials the published kind
/// overlay gives it: outside Development it refuses each one, naming the setting and never the value.
/// </summary>
public sealed class DevelopmentCredentialTests
{
    private const string Refusal = "Refusing to start";

    /// <summary>The credentials the Api reads, as the kind overlay passes them.</summary>
    private static readonly string[] CredentialVariables = ["Auth__AdminKey", "Auth__WorkerKey", "Auth__TokenSigningKey", "ConnectionStrings__jobsdb"];

    public static TheoryData<string> Credentials => new(CredentialVariables);

    [Theory]
    [MemberData(nameof(Credentials))]
    public async Task OutsideDevelopment_ThePublishedValue_IsRefused_ByItsSettingsName(string variable)
    {
        var database = FreePort();
        var published = await PublishedCredentialsAsync(database);
        var environment = OwnCredentials(database);
        environment[variable] = published[variable];

        var (exitCode, output) = await RunApiAsync("Production", environment);

        var setting = variable.Replace("__", ":", StringComparison.Ordinal);
        Assert.True(exitCode != 0, $"the Api exited with 0 holding the published {setting}:\n{output}");
        Assert.True(output.Contains($"{Refusal}: {setting} holds a development value", StringComparison.Ordinal), $"no refusal naming {setting}:\n{output}");
        Assert.Equal(1, LinesSaying(output, Refusal));
        // Never the secret itself: not the key, not the password inside the connection string.
        var secret = variable.StartsWith("ConnectionStrings__", StringComparison.Ordinal) ? new NpgsqlConnectionStringBuilder(published[variable]).Password! : published[variable];
        Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
        Assert.DoesNotContain(DevelopmentSecrets.Marker, output, StringComparison.OrdinalIgnoreCase);
        // Refused before it touched anything.
        Assert.DoesNotContain($"127.0.0.1:{database}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutsideDevelopment_EveryPublishedValue_IsNamed()
    {
        var database = FreePort();
        var (exitCode, output) = await RunApiAsync("Staging", await PublishedCredentialsAsync(database));

        Assert.True(exitCode != 0, $"the Api exited with 0:\n{output}");
        foreach (var variable in CredentialVariables)
        {
            Assert.Contains($"{Refusal}: {variable.Replace("__", ":", StringComparison.Ordinal)} holds", output, StringComparison.Ordinal);
        }
        Assert.Equal(CredentialVariables.Length, LinesSaying(output, Refusal));
    }

    [Theory]
    [InlineData("Development", true)]
    [InlineData("Production", false)]
    public async Task InDevelopment_OrWithCredentialsOfOnesOwn_TheApiGoesOnToItsDatabase(string environmentName, bool publishedValues)
    {
        var database = FreePort();
        var environment = publishedValues ? await PublishedCredentialsAsync(database) : OwnCredentials(database);

        var (_, output) = await RunApiAsync(environmentName, environment);

        Assert.DoesNotContain(Refusal, output, StringComparison.Ordinal);
        // Past the check, the Api migrates its database first: here nothing listens there, so that is where it stops.
        Assert.True(output.Contains($"Failed to connect to 127.0.0.1:{database}", StringComparison.Ordinal), $"the Api did not reach its database:\n{output}");
    }

    /// <summary>The Api's credentials as the kind overlay gives them, its database moved to a local port where nothing listens.</summary>
    private static async Task<Dictionary<string, string>> PublishedCredentialsAsync(int databasePort)
    {
        var kind = await RenderedOverlay.RenderAsync("kind");
        var api = kind.EnvironmentOf(kind.Get<V1Deployment>("api").Spec.Template.Spec.Containers.Single(), "api-pod");
        var credentials = CredentialVariables.ToDictionary(variable => variable, variable => api[variable]);
        credentials["ConnectionStrings__jobsdb"] = new NpgsqlConnectionStringBuilder(credentials["ConnectionStrings__jobsdb"]) { Host = "127.0.0.1", Port = databasePort }.ConnectionString;
        return credentials;
    }

    /// <summary>Credentials as an operator makes them (docs/kubernetes.md).</summary>
    private static Dictionary<string, string> OwnCredentials(int databasePort) => new()
    {
        ["Auth__AdminKey"] = $"jpadmin_{RandomNumberGenerator.GetHexString(64, lowercase: true)}",
        ["Auth__WorkerKey"] = $"jpworker_{RandomNumberGenerator.GetHexString(64, lowercase: true)}",
        ["Auth__TokenSigningKey"] = RandomNumberGenerator.GetHexString(64, lowercase: true),
        ["ConnectionStrings__jobsdb"] = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = databasePort,
            Database = "jobsdb",
            Username = "jobplatform",
            Password = RandomNumberGenerator.GetHexString(32, lowercase: true),
        }.ConnectionString,
    };

    /// <summary>Runs the built Api in <paramref name="environmentName"/> with <paramref name="credentials"/> until it exits; its exit code and output.</summary>
    private static async Task<(int ExitCode, string Output)> RunApiAsync(string environmentName, Dictionary<string, string> credentials)
    {
        var environment = new Dictionary<string, string>(credentials, StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = environmentName,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort()}",
            ["ConnectionStrings__sqs"] = $"http://127.0.0.1:{FreePort()}",
            ["AWS_REGION"] = "us-east-1",
            ["AWS_ACCESS_KEY_ID"] = "test",
            ["AWS_SECRET_ACCESS_KEY"] = "test",
        };
        return await BuiltProject.RunToExitAsync(BuiltProject.StartInfo("JobPlatform.Api", [], environment));
    }

    /// <summary>The log lines of <paramref name="output"/> that say <paramref name="value"/>.</summary>
    private static int LinesSaying(string output, string value) => output.Split('\n').Count(line => line.Contains(value, StringComparison.Ordinal));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
