namespace JobPlatform.Contracts;

/// <summary>The body of POST /api/v1/tenants (admin only).</summary>
/// <param name="Id">The tenant's id: 2 to 40 lowercase letters, digits and hyphens, starting with a letter. Required.</param>
/// <param name="Name">A label for people. Defaults to the id.</param>
/// <param name="RateLimitPerMinute">Requests a minute the tenant may make. Defaults to Tenancy:RateLimitPerMinute.</param>
/// <param name="RateLimitBurst">Requests the tenant may make at once. Defaults to Tenancy:RateLimitBurst.</param>
/// <param name="MaxRunningTasks">The tenant's concurrency quota: how many of its tasks may run at once. Defaults to Tenancy:MaxRunningTasks.</param>
/// <param name="MaxEventStreams">How many event streams (GET /api/v1/events) the tenant may have open at once on each Api replica. Defaults to Tenancy:MaxEventStreams.</param>
/// <param name="MaxUnfinishedTasks">How many of its tasks may be stored and not yet finished; a submission past it is refused with 429. Defaults to Tenancy:MaxUnfinishedTasks.</param>
/// <param name="JobRetentionDays">Days a finished job is kept, with its tasks, attempts and results, before it is deleted: 1 to 3,650. Defaults to Tenancy:JobRetentionDays.</param>
/// <param name="MaxSchedules">How many schedules the tenant may have. Defaults to Tenancy:MaxSchedules.</param>
public sealed record CreateTenantRequest(
    string? Id,
    string? Name = null,
    int? RateLimitPerMinute = null,
    int? RateLimitBurst = null,
    int? MaxRunningTasks = null,
    int? MaxEventStreams = null,
    int? MaxUnfinishedTasks = null,
    int? JobRetentionDays = null,
    int? MaxSchedules = null);

/// <summary>A tenant with its limits as they apply now (its own, or the defaults).</summary>
public sealed record TenantResponse(
    string Id,
    string Name,
    TenantLimits Limits,
    DateTimeOffset CreatedAt);

/// <summary>What a tenant may use.</summary>
/// <param name="RateLimitPerMinute">Requests a minute, refilled continuously.</param>
/// <param name="RateLimitBurst">Requests at once: the size of the token bucket.</param>
/// <param name="MaxRunningTasks">Tasks that may run at once across all workers.</param>
/// <param name="MaxEventStreams">Event streams (GET /api/v1/events) open at once on each Api replica.</param>
/// <param name="MaxUnfinishedTasks">Tasks that may be stored and not yet finished.</param>
/// <param name="JobRetentionDays">Days a finished job is kept, with its tasks, attempts and results, before it is deleted.</param>
/// <param name="MaxSchedules">Schedules the tenant may have.</param>
public sealed record TenantLimits(int RateLimitPerMinute, int RateLimitBurst, int MaxRunningTasks, int MaxEventStreams, int MaxUnfinishedTasks, int JobRetentionDays, int MaxSchedules);

/// <summary>GET /api/v1/tenants/me: who the caller is, its limits and what it uses now.</summary>
public sealed record TenantUsageResponse(
    string Id,
    string Name,
    TenantLimits Limits,
    long RunningTasks,
    long QueuedTasks,
    long UnfinishedJobs,
    long UnfinishedTasks);

/// <summary>The body of POST /api/v1/tenants/{id}/keys (admin only).</summary>
/// <param name="Name">A label, such as where the key is used. Defaults to "key".</param>
public sealed record CreateApiKeyRequest(string? Name = null);

/// <summary>A newly issued key. <see cref="Key"/> is shown this once and stored only as a hash.</summary>
public sealed record ApiKeyCreatedResponse(Guid Id, string TenantId, string Name, string Prefix, string Key, DateTimeOffset CreatedAt);

/// <summary>An issued key, without its secret.</summary>
public sealed record ApiKeyResponse(Guid Id, string TenantId, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>The body of POST /api/v1/auth/token; the key itself goes in the Authorization header.</summary>
/// <param name="LifetimeSeconds">How long the token is valid, 1 to Auth:TokenLifetime. Defaults to Auth:TokenLifetime.</param>
public sealed record TokenRequest(int? LifetimeSeconds = null);

/// <summary>A short-lived signed token (JWT) to send as <c>Authorization: Bearer</c> instead of the key.</summary>
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, DateTimeOffset ExpiresAt, string TenantId);

/// <summary>Rules for tenant ids and API keys, shared by the Api and its clients.</summary>
public static class TenantRules
{
    /// <summary>Every tenant API key starts with this, so a leaked key is recognisable.</summary>
    public const string KeyPrefix = "jp_";

    public const int MinIdLength = 2;
    public const int MaxIdLength = 40;
    public const int MaxNameLength = 200;

    /// <summary>Whether <paramref name="id"/> is a valid tenant id.</summary>
    public static bool IsValidId(string? id) =>
        id is { Length: >= MinIdLength and <= MaxIdLength }
        && char.IsAsciiLetterLower(id[0])
        && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && !id.EndsWith('-');
}
