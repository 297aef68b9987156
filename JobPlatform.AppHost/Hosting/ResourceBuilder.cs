namespace JobPlatform.AppHost.Hosting;

/// <summary>Fluent configuration of one resource, in Aspire's vocabulary.</summary>
public sealed class ResourceBuilder<T>(T resource, DistributedApplicationBuilder app) where T : Resource
{
    public T Resource { get; } = resource;

    internal DistributedApplicationBuilder ApplicationBuilder { get; } = app;

    /// <summary>Passes <paramref name="source"/>'s connection details to this resource as environment variables.</summary>
    public ResourceBuilder<T> WithReference<TSource>(ResourceBuilder<TSource> source) where TSource : Resource
    {
        Resource.References.Add(source.Resource);
        return this;
    }

    /// <summary>Starts this resource only once <paramref name="dependency"/> is healthy.</summary>
    public ResourceBuilder<T> WaitFor<TSource>(ResourceBuilder<TSource> dependency) where TSource : Resource
    {
        Resource.WaitsFor.Add(dependency.Resource.Runnable);
        return this;
    }
}

public static class ResourceBuilderExtensions
{
    /// <summary>Serves the resource over HTTP on <paramref name="port"/> (0 picks a free port).</summary>
    public static ResourceBuilder<T> WithHttpEndpoint<T>(this ResourceBuilder<T> builder, int port) where T : Resource, IResourceWithHttpEndpoint
    {
        builder.Resource.RequestedPort = port;
        builder.Resource.HasHttpEndpoint = true;
        return builder;
    }

    /// <summary>Runs <paramref name="replicas"/> copies of a project.</summary>
    public static ResourceBuilder<ProjectResource> WithReplicas(this ResourceBuilder<ProjectResource> builder, int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        builder.Resource.Replicas = replicas;
        return builder;
    }

    /// <summary>Sets an environment variable on every replica of the resource.</summary>
    public static ResourceBuilder<T> WithEnvironment<T>(this ResourceBuilder<T> builder, string name, string value) where T : Resource, IResourceWithEnvironment
    {
        builder.Resource.Environment[name] = value;
        return builder;
    }
}

/// <summary>A resource reachable over HTTP on one port.</summary>
public interface IResourceWithHttpEndpoint
{
    int RequestedPort { get; set; }

    /// <summary>Whether other resources or people reach it over HTTP; a published one gets a Service.</summary>
    bool HasHttpEndpoint { get; set; }
}

/// <summary>A resource whose processes take extra environment variables.</summary>
public interface IResourceWithEnvironment
{
    Dictionary<string, string> Environment { get; }
}
