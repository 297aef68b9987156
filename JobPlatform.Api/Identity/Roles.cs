using System.Security.Claims;

namespace JobPlatform.Api.Identity;

/// <summary>The three kinds of caller, as role claims, and the claims a principal carries.</summary>
public static class Roles
{
    /// <summary>A tenant's key or token: its own jobs only.</summary>
    public const string Tenant = "tenant";

    /// <summary>The workers' credential: the worker protocol only.</summary>
    public const string Worker = "worker";

    /// <summary>The administrator: tenants and keys only.</summary>
    public const string Admin = "admin";
}

/// <summary>Claim types JobPlatform puts on an authenticated caller.</summary>
public static class JobPlatformClaims
{
    public const string TenantId = "tenant_id";
    public const string KeyId = "key_id";
    public const string RateLimitPerMinute = "rate_limit";
    public const string RateLimitBurst = "rate_burst";
    public const string MaxEventStreams = "max_streams";

    /// <summary>When a token stops being valid, in Unix seconds (the JWT's own <c>exp</c>); keys do not carry it.</summary>
    public const string ExpiresAt = "exp";

    /// <summary>How the caller authenticated: "key" for an API key; tokens do not carry it.</summary>
    public const string Method = "amr";
    public const string KeyMethod = "key";

    public static string? TenantIdOf(ClaimsPrincipal user) => user.FindFirstValue(TenantId);

    /// <summary>When the caller's token expires; null for a key, which does not.</summary>
    public static DateTimeOffset? ExpiresAtOf(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(ExpiresAt), System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}

/// <summary>Authorization policy names, one per role.</summary>
public static class Policies
{
    public const string Tenant = Roles.Tenant;
    public const string Worker = Roles.Worker;
    public const string Admin = Roles.Admin;
}
