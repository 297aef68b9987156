using System.Reflection;

namespace JobPlatform.AppHost.Hosting;

/// <summary>Declares the graph's resources, as Aspire's builder does, then builds the runnable application.</summary>
public sealed class DistributedApplicationBuilder
{
    private readonly List<Resource> _resources = [];

    private DistributedApplicationBuilder(AppHostOptions options) => Options = options;

    public AppHostOptions Options { get; }

    /// <summary>Every declared resource, in the order it was added.</summary>
    public IReadOnlyList<Resource> Resources => _resources;

    public static DistributedApplicationBuilder CreateBuilder(AppHostOptions options) => new(options);

    public ResourceBuilder<PostgresServerResource> AddPostgres(string name, int port) => Add(new PostgresServerResource(name, port));

    public ResourceBuilder<SqsEmulatorResource> AddSqsEmulator(string name, int port) => Add(new SqsEmulatorResource(name, port));

    /// <param name="projectDirectory">The project's folder, relative to the repository root.</param>
    public ResourceBuilder<ProjectResource> AddProject(string name, string projectDirectory) => Add(new ProjectResource(name, projectDirectory));

    /// <summary>A secret generated for this run; <paramref name="prefix"/> makes it recognisable.</summary>
    public ResourceBuilder<SecretResource> AddSecret(string name, string prefix = "") => Add(new SecretResource(name, prefix));

    /// <summary>A tenant created through the Api's admin endpoints once it is healthy, with a key for development.</summary>
    public ResourceBuilder<DevTenantResource> AddDevTenant(string name, string tenantId, ResourceBuilder<ProjectResource> api, ResourceBuilder<SecretResource> adminKey)
    {
        var tenant = Add(new DevTenantResource(name, tenantId, api.Resource, adminKey.Resource));
        return tenant.WaitFor(api);
    }

    /// <summary>Debian's Prometheus on <paramref name="port"/> (0 picks a free port); add what it scrapes with WithScrapeTarget.</summary>
    public ResourceBuilder<PrometheusResource> AddPrometheus(string name, int port) => Add(new PrometheusResource(name, port));

    /// <param name="appDirectory">The app's folder, relative to the repository root.</param>
    public ResourceBuilder<ViteAppResource> AddViteApp(string name, string appDirectory) => Add(new ViteAppResource(name, appDirectory));

    internal ResourceBuilder<T> Add<T>(T resource) where T : Resource
    {
        if (_resources.Any(r => r.Name == resource.Name))
        {
            throw new InvalidOperationException($"The graph already has a resource named '{resource.Name}'.");
        }
        _resources.Add(resource);
        return new ResourceBuilder<T>(resource, this);
    }

    public DistributedApplication Build()
    {
        foreach (var (name, variables) in Options.ResourceEnvironment)
        {
            if (_resources.SingleOrDefault(r => r.Name == name) is not IResourceWithEnvironment resource)
            {
                throw new InvalidOperationException($"ResourceEnvironment names '{name}', which is not a resource that takes environment variables.");
            }
            foreach (var (key, value) in variables)
            {
                resource.Environment[key] = value;
            }
        }

        var assembly = typeof(DistributedApplicationBuilder).Assembly;
        string Metadata(string key) => assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        var repositoryRoot = Metadata("RepositoryRoot");
        var dataDirectory = Path.GetFullPath(Options.DataDirectory ?? Path.Combine(repositoryRoot, ".jobplatform"));
        return new DistributedApplication(_resources, new AppHostContext(Options, repositoryRoot, Metadata("BuildConfiguration"), dataDirectory, new ResourceLog(Options.LogSink)));
    }
}

public static class PostgresBuilderExtensions
{
    /// <summary>A database on the server, created at start when missing.</summary>
    public static ResourceBuilder<PostgresDatabaseResource> AddDatabase(this ResourceBuilder<PostgresServerResource> builder, string name)
    {
        var database = new PostgresDatabaseResource(name, builder.Resource);
        builder.Resource.Databases.Add(database);
        return builder.ApplicationBuilder.Add(database);
    }
}
