using Aspire.Hosting.Testing;

namespace JobPlatform.Tests.Kubernetes;

/// <summary>
/// The graph as JobPlatform.AppHost declares it, nothing started: the model publishing reads. As a
/// test suite's, so that the ports a development loop may hold are not checked.
/// </summary>
internal static class DeclaredGraph
{
    public static Task<IDistributedApplicationTestingBuilder> CreateAsync() =>
        DistributedApplicationTestingBuilder.CreateAsync<Projects.JobPlatform_AppHost>(["--testing"]);
}
