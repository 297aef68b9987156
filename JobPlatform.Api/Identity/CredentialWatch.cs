using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace JobPlatform.Api.Identity;

/// <summary>
/// Ends a request that stays open (an event stream) when its credential stops holding, as the next
/// request with that credential would be refused: at its token's expiry (plus
/// <see cref="AuthOptions.ClockSkew"/>, as token validation allows), and within
/// <see cref="AuthOptions.CredentialCheckInterval"/> of its key's revocation. Revocation reaches it
/// the way it reaches requests: <see cref="CredentialDirectory"/>, which trusts what it read for
/// <see cref="AuthOptions.CredentialCacheDuration"/> only, on every replica.
/// </summary>
public sealed class CredentialWatch(CredentialDirectory directory, IOptions<AuthOptions> auth, TimeProvider clock, ILogger<CredentialWatch> logger)
{
    /// <summary>Starts watching <paramref name="user"/>'s credential until <paramref name="ct"/> ends or the lease is disposed.</summary>
    public CredentialLease Watch(ClaimsPrincipal user, CancellationToken ct)
    {
        var lease = new CredentialLease(ct);
        if (JobPlatformClaims.ExpiresAtOf(user) is { } expiresAt)
        {
            lease.EndAfter(expiresAt + auth.Value.ClockSkew - clock.GetUtcNow());
        }
        if (Guid.TryParse(user.FindFirstValue(JobPlatformClaims.KeyId), out var keyId))
        {
            _ = WatchKeyAsync(keyId, lease);
        }
        return lease;
    }

    private async Task WatchKeyAsync(Guid keyId, CredentialLease lease)
    {
        var ct = lease.Ended;
        using var timer = new PeriodicTimer(auth.Value.CredentialCheckInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    if (await directory.FindByIdAsync(keyId, ct) is null or { Revoked: true })
                    {
                        logger.LogInformation("Key {KeyId} was revoked: its open stream ends", keyId);
                        lease.End();
                        return;
                    }
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    // Nobody awaits this loop, so it survives whatever a check throws. While PostgreSQL
                    // is away requests with this key fail too; the stream keeps what it was granted
                    // and asks again at the next tick.
                    logger.LogWarning("Could not check key {KeyId} of an open stream: {Error}", keyId, ex.Message);
                }
            }
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            // The request ended, with whatever a check in flight threw.
        }
    }
}

/// <summary>
/// A watched credential: <see cref="Ended"/> is cancelled when it stops holding, when the request's
/// own token is cancelled, or when this is disposed. Dispose it when the request ends.
/// </summary>
public sealed class CredentialLease : IDisposable
{
    private readonly CancellationTokenSource _ended;
    private readonly Lock _gate = new();
    private bool _disposed;

    internal CredentialLease(CancellationToken ct) => _ended = CancellationTokenSource.CreateLinkedTokenSource(ct);

    /// <summary>Cancelled once the request should end.</summary>
    public CancellationToken Ended => _ended.Token;

    internal void EndAfter(TimeSpan left)
    {
        if (left <= TimeSpan.Zero)
        {
            End();
            return;
        }
        lock (_gate)
        {
            if (!_disposed)
            {
                _ended.CancelAfter(left);
            }
        }
    }

    internal void End()
    {
        // The watch may find a revocation just as the request ends: a disposed source cannot be cancelled.
        lock (_gate)
        {
            if (!_disposed)
            {
                _ended.Cancel();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            // Cancelled first, so the watch of the key stops with the request, whatever ended it.
            _ended.Cancel();
            _ended.Dispose();
        }
    }
}
