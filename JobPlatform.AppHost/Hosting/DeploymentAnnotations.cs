namespace JobPlatform.AppHost.Hosting;

/// <summary>How a resource runs as a container when the graph is published to Kubernetes: its image, the port it serves and its probe paths.</summary>
/// <param name="Image">The image name, without a tag.</param>
/// <param name="Port">The container port it listens on, and the port of its Service.</param>
/// <param name="ReadinessPath">Ready when this answers 2xx: the service and what it needs are reachable.</param>
/// <param name="LivenessPath">Alive while this answers 2xx.</param>
public sealed record ContainerSpec(string Image, int Port, string ReadinessPath, string LivenessPath) : IResourceAnnotation;

/// <summary>
/// How long a stopping replica may take to finish its work when it drains on SIGTERM; a published
/// pod's termination grace covers it.
/// </summary>
public sealed record DrainTimeoutAnnotation(TimeSpan DrainTimeout) : IResourceAnnotation;

/// <summary>An environment variable the development loop sets and a published deployment leaves out (the service's default holds there).</summary>
public sealed record DevelopmentOnlyEnvironmentAnnotation(string Name) : IResourceAnnotation;

/// <summary>
/// An environment variable only a development cluster sets (the published kind overlay, which runs the
/// published development secrets): neither the development loop, nor base, nor a real cluster's overlay.
/// </summary>
public sealed record DevelopmentClusterEnvironmentAnnotation(string Name, string Value) : IResourceAnnotation;

/// <summary>An environment variable whose value is each replica's own name (a pod's name when published).</summary>
public sealed record ReplicaNameEnvironmentAnnotation(string Name) : IResourceAnnotation;

/// <summary>
/// The JobPlatform queues a worker pool receives from (<c>Worker:Queues</c>): its KEDA scaler, when
/// published with it, watches their SQS queues only.
/// </summary>
public sealed record TaskQueuesAnnotation(IReadOnlyList<string> Queues) : IResourceAnnotation;

public static class DeploymentBuilderExtensions
{
    /// <summary>
    /// Makes the worker pool receive from <paramref name="queues"/> (<c>Worker__Queues__N</c>) and
    /// remembers them, so a published pool scales on its own queues' depth.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithTaskQueues(this IResourceBuilder<ProjectResource> builder, params string[] queues)
    {
        if (queues.Length == 0 || !queues.All(JobPlatform.Contracts.QueueNames.IsValid))
        {
            throw new ArgumentException($"A pool serves at least one queue. {JobPlatform.Contracts.QueueNames.Rule}", nameof(queues));
        }
        for (var i = 0; i < queues.Length; i++)
        {
            builder.WithEnvironment($"Worker__Queues__{i}", queues[i]);
        }
        return builder.WithAnnotation(new TaskQueuesAnnotation(queues), ResourceAnnotationMutationBehavior.Replace);
    }

    /// <summary>Says how the resource runs as a container when published.</summary>
    public static IResourceBuilder<T> WithContainerSpec<T>(this IResourceBuilder<T> builder, ContainerSpec spec) where T : IResource =>
        builder.WithAnnotation(spec, ResourceAnnotationMutationBehavior.Replace);

    /// <summary>
    /// Sets the project's drain option <paramref name="name"/> (a <see cref="TimeSpan"/>) to
    /// <paramref name="drainTimeout"/> and remembers it, so a published pod gets time to drain.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDrainTimeout(this IResourceBuilder<ProjectResource> builder, string name, TimeSpan drainTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(drainTimeout, TimeSpan.Zero);
        return builder
            .WithEnvironment(name, drainTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture))
            .WithAnnotation(new DrainTimeoutAnnotation(drainTimeout), ResourceAnnotationMutationBehavior.Replace);
    }

    /// <summary>Sets a variable for the development loop only: publishing leaves it out.</summary>
    public static IResourceBuilder<ProjectResource> WithDevelopmentEnvironment(this IResourceBuilder<ProjectResource> builder, string name, string value) =>
        builder.WithEnvironment(name, value).WithAnnotation(new DevelopmentOnlyEnvironmentAnnotation(name));

    /// <summary>
    /// Sets a variable in a development cluster only (the kind overlay's ConfigMap patch): for example
    /// <c>ASPNETCORE_ENVIRONMENT=Development</c> for a project that refuses the published development
    /// secrets anywhere else.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDevelopmentClusterEnvironment(this IResourceBuilder<ProjectResource> builder, string name, string value) =>
        builder.WithAnnotation(new DevelopmentClusterEnvironmentAnnotation(name, value));

    /// <summary>
    /// Passes each replica its own name as <paramref name="name"/>: the name Aspire's dashboard shows
    /// for it (<c>worker-abcdefgh</c>), or its pod's name when published.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReplicaNameEnvironment(this IResourceBuilder<ProjectResource> builder, string name)
    {
        // DCP expands the template for each replica; the suffix is the one its resource name ends with.
        // A plain string: an interpolated one would be taken for a reference expression.
        string template = builder.Resource.Name + "-{{- index .Annotations \"otel-service-instance-id\" -}}";
        return builder.WithEnvironment(name, template).WithAnnotation(new ReplicaNameEnvironmentAnnotation(name));
    }
}
