using Aspire.Hosting.Eventing;
using Microsoft.Extensions.DependencyInjection;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// A Vite app run with its dev server as an Aspire executable resource, after <c>npm ci</c> on first
/// start. Aspire's JavaScript integration is not served here. References reach its
/// <c>vite.config.ts</c> as environment variables (the Api's address).
/// </summary>
public sealed class ViteAppResource(string name, string appDirectory)
    : ExecutableResource(name, "node", appDirectory), IResourceWithServiceDiscovery
{
    /// <summary>The port the published app's web server (nginx, serving the production build) listens on.</summary>
    public const int ContainerPort = 8080;
}

public static class ViteAppBuilderExtensions
{
    /// <summary>Adds the Vite app in <paramref name="appDirectory"/>, serving on <paramref name="port"/> (any free port when null).</summary>
    public static IResourceBuilder<ViteAppResource> AddViteApp(this IDistributedApplicationBuilder builder, string name, string appDirectory, int? port = null)
    {
        var app = new ViteAppResource(name, appDirectory);
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(app, (e, ct) =>
            NpmInstaller.EnsureInstalledAsync(appDirectory, e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(app), ct));
        return builder.AddResource(app)
            // Node directly, not npm or npx: they ignore SIGTERM, and every stop would wait for DCP to kill them.
            .WithArgs(Path.Combine("node_modules", "vite", "bin", "vite.js"), "--strictPort", "--host", "localhost")
            .WithHttpEndpoint(port: port, env: "PORT")
            .WithArgs(context => context.Args.Add("--port"))
            .WithArgs(context => context.Args.Add(app.GetEndpoint("http").Property(EndpointProperty.TargetPort)))
            .WithEnvironment("BROWSER", "none")
            .WithEnvironment("NO_COLOR", "1")
            .WithHttpHealthCheck("/")
            .WithIconName("Globe")
            .WithContainerSpec(new ContainerSpec($"jobplatform/{name}", ViteAppResource.ContainerPort, "/health", "/alive"));
    }
}
