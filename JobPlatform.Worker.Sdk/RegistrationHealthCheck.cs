using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JobPlatform.Worker.Sdk;

/// <summary>
/// The health check <c>registration</c>: unhealthy until the Api has this replica's task types. The
/// Api accepts a job only of a type some worker registered, so a replica is ready (in the AppHost, and
/// to a readiness probe) once jobs of its types can be submitted. It stays healthy after that, even
/// while the Api is away: the types stay in the Api's catalogue.
/// </summary>
internal sealed class RegistrationHealthCheck : IHealthCheck
{
    private volatile bool _registered;

    public void Registered() => _registered = true;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_registered
            ? HealthCheckResult.Healthy("The Api has this replica's task types.")
            : HealthCheckResult.Unhealthy("The task types are not yet registered with the Api."));
}
