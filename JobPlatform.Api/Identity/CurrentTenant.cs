namespace JobPlatform.Api.Identity;

/// <summary>
/// The tenant the current request acts for, read from its credential. Null outside a tenant's request
/// (the worker protocol, the admin endpoints, background services), which matches no tenant's rows.
/// </summary>
public sealed class CurrentTenant(IHttpContextAccessor http)
{
    public string? Id => http.HttpContext?.User is { } user ? JobPlatformClaims.TenantIdOf(user) : null;

    /// <summary>The tenant id of a request that passed the tenant policy.</summary>
    public string RequiredId => Id ?? throw new InvalidOperationException("This code runs only for a tenant's request.");
}
