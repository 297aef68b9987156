using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace JobPlatform.Api.Identity;

/// <summary>
/// Refused keys, counted per client address: each address may present
/// <see cref="AuthOptions.FailedAttemptsBurst"/> keys that fail, refilled at
/// <see cref="AuthOptions.FailedAttemptsPerMinute"/> a minute. Past that, a key this replica has not
/// seen lately is answered 429 without a database query, so guessing keys is slow for the guesser
/// and cheap for us. Keys already known here still pass.
/// </summary>
public sealed class FailedCredentials(IOptions<AuthOptions> auth) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetTokenBucketLimiter(address, _ => TokenBuckets.For(auth.Value.FailedAttemptsPerMinute, auth.Value.FailedAttemptsBurst)));

    /// <summary>How long until <paramref name="address"/> may try an unknown key again; null when it may now.</summary>
    public TimeSpan? Throttled(string address) =>
        _limiter.GetStatistics(address) is { CurrentAvailablePermits: <= 0 }
            ? TimeSpan.FromMinutes(1) / auth.Value.FailedAttemptsPerMinute
            : null;

    /// <summary>A key from <paramref name="address"/> was refused.</summary>
    public void Failed(string address)
    {
        using var _ = _limiter.AttemptAcquire(address);
    }

    /// <summary>The address a request's failures count against.</summary>
    public static string AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public void Dispose() => _limiter.Dispose();
}
