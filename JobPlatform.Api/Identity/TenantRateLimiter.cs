using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;

namespace JobPlatform.Api.Identity;

/// <summary>
/// Each tenant's token bucket, sized by its own limits: one for its requests and its schedules'
/// firings together, so a schedule cannot submit past the rate its tenant may.
/// </summary>
public sealed class TenantRateLimiter : IDisposable
{
    // The limits are part of the key, so a change to a tenant's limits takes effect at once.
    private readonly PartitionedRateLimiter<string> _buckets = PartitionedRateLimiter.Create<string, string>(key =>
        LimitsOf(key) is var (perMinute, burst) && perMinute > 0
            ? RateLimitPartition.GetTokenBucketLimiter(key, _ => TokenBuckets.For(perMinute, burst))
            : RateLimitPartition.GetNoLimiter(key));

    /// <summary>The limiter of the request pipeline: a tenant's requests take from its bucket; other callers are not limited here.</summary>
    public PartitionedRateLimiter<HttpContext> ForRequests() => _buckets.WithTranslatedKey<HttpContext>(KeyOf, leaveOpen: true);

    /// <summary>Takes one token of <paramref name="tenantId"/>'s bucket, as a request would; the lease says whether it got one.</summary>
    public RateLimitLease TryAcquire(string tenantId, int perMinute, int burst) => _buckets.AttemptAcquire(KeyOf(tenantId, perMinute, burst));

    private static string KeyOf(string tenant, int perMinute, int burst) => $"{tenant}|{perMinute}|{burst}";

    private static string KeyOf(HttpContext context)
    {
        var user = context.User;
        return JobPlatformClaims.TenantIdOf(user) is { } tenant
            && int.TryParse(user.FindFirstValue(JobPlatformClaims.RateLimitPerMinute), CultureInfo.InvariantCulture, out var perMinute)
            && int.TryParse(user.FindFirstValue(JobPlatformClaims.RateLimitBurst), CultureInfo.InvariantCulture, out var burst)
            ? KeyOf(tenant, perMinute, burst)
            : "";
    }

    private static (int PerMinute, int Burst) LimitsOf(string key)
    {
        var parts = key.Split('|');
        return parts.Length >= 3
            && int.TryParse(parts[^2], CultureInfo.InvariantCulture, out var perMinute)
            && int.TryParse(parts[^1], CultureInfo.InvariantCulture, out var burst)
            ? (perMinute, burst)
            : (0, 0);
    }

    public void Dispose() => _buckets.Dispose();
}
