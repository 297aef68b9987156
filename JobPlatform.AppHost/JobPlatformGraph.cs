using JobPlatform.AppHost.Hosting;

namespace JobPlatform.AppHost;

/// <summary>What the graph's resources share: names and conventions the tests, the benchmark and the publisher read too.</summary>
public static class JobPlatformGraph
{
    /// <summary>The tenant development, the benchmark and the tests act as.</summary>
    public const string DevTenantId = "dev";

    /// <summary>The port a published project listens on inside its container (ASP.NET Core's container default).</summary>
    public const int ProjectContainerPort = 8080;

    /// <summary>Readiness, served by every project through its service defaults.</summary>
    public const string HealthPath = "/health";

    /// <summary>Liveness, served by every project through its service defaults.</summary>
    public const string AlivePath = "/alive";

    /// <summary>How a project of the graph runs as a container when published: its image, port and probes.</summary>
    public static ContainerSpec ProjectContainer(string name) => new($"jobplatform/{name}", ProjectContainerPort, HealthPath, AlivePath);

    /// <summary>
    /// The AppHost's environment (Development under <c>dotnet run</c>) and one line per log entry, in
    /// the development loop only: it reads well in the dashboard's console logs, and a published
    /// service keeps its JSON console.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDevelopmentLogging(this IResourceBuilder<ProjectResource> builder) => builder
        .WithDevelopmentEnvironment("ASPNETCORE_ENVIRONMENT", builder.ApplicationBuilder.Environment.EnvironmentName)
        .WithDevelopmentEnvironment("DOTNET_ENVIRONMENT", builder.ApplicationBuilder.Environment.EnvironmentName)
        .WithDevelopmentEnvironment("Logging__Console__FormatterName", "simple")
        .WithDevelopmentEnvironment("Logging__Console__FormatterOptions__SingleLine", "true");
}
