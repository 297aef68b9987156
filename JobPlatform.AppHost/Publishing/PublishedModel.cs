using JobPlatform.AppHost.Hosting;

namespace JobPlatform.AppHost.Publishing;

/// <summary>What publishing reads from Aspire's application model: references, replica counts and our deployment annotations.</summary>
internal sealed class PublishedModel(IResourceCollection resources)
{
    // Aspire's KnownRelationshipTypes.Reference (internal): what WithReference and a parameter's WithEnvironment record.
    private const string ReferenceRelationship = "Reference";

    public IEnumerable<T> All<T>() => resources.OfType<T>();

    /// <summary>The resources <paramref name="resource"/> references, in the order it referenced them.</summary>
    public static IEnumerable<IResource> References(IResource resource) =>
        resource.Annotations.OfType<ResourceRelationshipAnnotation>()
            .Where(r => r.Type == ReferenceRelationship)
            .Select(r => r.Resource)
            .Distinct();

    /// <summary>The names of the resources that reference <paramref name="resource"/>, in model order.</summary>
    public IEnumerable<string> Referencing(IResource resource) =>
        resources.Where(r => References(r).Contains(resource)).Select(r => r.Name);

    /// <summary>Whether another resource calls <paramref name="project"/> over HTTP (references its endpoints); a queue consumer is not called.</summary>
    public bool IsCalled(ProjectResource project) =>
        resources.Any(r => r.Annotations.OfType<EndpointReferenceAnnotation>().Any(a => a.Resource == project));

    public static int Replicas(IResource resource) =>
        resource.TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) ? replicas.Replicas : 1;

    /// <summary>How <paramref name="resource"/> runs as a container; every published resource of its own states it.</summary>
    public static ContainerSpec Container(IResource resource) =>
        resource.TryGetLastAnnotation<ContainerSpec>(out var spec)
            ? spec
            : throw new DistributedApplicationException($"'{resource.Name}' has no container spec (WithContainerSpec), so it cannot be published.");

    public static TimeSpan? DrainTimeout(IResource resource) =>
        resource.TryGetLastAnnotation<DrainTimeoutAnnotation>(out var drain) ? drain.DrainTimeout : null;
}
