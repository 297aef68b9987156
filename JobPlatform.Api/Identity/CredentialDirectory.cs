using JobPlatform.Contracts;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;

namespace JobPlatform.Api.Identity;

/// <summary>What a replica knows about one tenant key: whose it is, whether it still holds, and the tenant's limits.</summary>
public sealed record KeyRecord(Guid KeyId, string TenantId, bool Revoked, TenantLimits Limits);

/// <summary>
/// Looks tenant keys up by secret (API key requests) or by id (token requests), remembering each
/// key found for <see cref="AuthOptions.CredentialCacheDuration"/> only, so a revocation holds on
/// every replica within that time while busy callers cost one query per key per interval. A secret
/// that matches no key is remembered for <see cref="AuthOptions.UnknownKeyCacheDuration"/>, in a
/// cache of its own, so a flood of guesses can neither cost a query each nor push real keys out.
/// </summary>
public sealed class CredentialDirectory(
    NpgsqlDataSource database, IOptions<AuthOptions> auth, IOptions<TenancyOptions> tenancy) : IDisposable
{
    /// <summary>
    /// Its own cache, bounded: the shared IMemoryCache has no size limit to keep, and one here would
    /// make every other user of it give each entry a size.
    /// </summary>
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    /// <summary>Secrets that match no key. When it is full, new guesses cost a query each again, never a real key's place.</summary>
    private readonly MemoryCache unknown = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    private const string Select =
        """
        SELECT k.id, k.tenant_id, k.revoked_at IS NOT NULL, t.rate_limit_per_minute, t.rate_limit_burst, t.max_running_tasks, t.max_event_streams,
               t.max_unfinished_tasks, t.job_retention_days, t.max_schedules
        FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
        """;

    /// <summary>The key with this secret, or null when no such key was ever issued.</summary>
    public Task<KeyRecord?> FindBySecretAsync(string secret, CancellationToken ct)
    {
        var hash = ApiKeys.Hash(secret);
        return CachedAsync(CacheKey(hash), $"{Select} WHERE k.hash = @value", hash, ct);
    }

    /// <summary>What this replica remembers of a secret, without a query: known (a key, or null for none), or not.</summary>
    public bool TryRecall(string secret, out KeyRecord? key)
    {
        var cacheKey = CacheKey(ApiKeys.Hash(secret));
        key = null;
        return cache.TryGetValue(cacheKey, out key) || unknown.TryGetValue(cacheKey, out _);
    }

    private static string CacheKey(byte[] hash) => $"key-hash:{Convert.ToHexString(hash)}";

    /// <summary>The key a token was issued for, or null when it does not exist (any more).</summary>
    public Task<KeyRecord?> FindByIdAsync(Guid keyId, CancellationToken ct) =>
        CachedAsync($"key-id:{keyId}", $"{Select} WHERE k.id = @value", keyId, ct);

    /// <summary>A tenant's limits as they apply: its own where set, the configured defaults elsewhere.</summary>
    public TenantLimits LimitsOf(int? rateLimitPerMinute, int? rateLimitBurst, int? maxRunningTasks, int? maxEventStreams, int? maxUnfinishedTasks, int? jobRetentionDays, int? maxSchedules)
    {
        var defaults = tenancy.Value;
        return new TenantLimits(
            rateLimitPerMinute ?? defaults.RateLimitPerMinute,
            rateLimitBurst ?? defaults.RateLimitBurst,
            maxRunningTasks ?? defaults.MaxRunningTasks,
            maxEventStreams ?? defaults.MaxEventStreams,
            maxUnfinishedTasks ?? defaults.MaxUnfinishedTasks,
            jobRetentionDays ?? defaults.JobRetentionDays,
            maxSchedules ?? defaults.MaxSchedules);
    }

    private async Task<KeyRecord?> CachedAsync<T>(string cacheKey, string sql, T value, CancellationToken ct)
    {
        if (cache.TryGetValue(cacheKey, out KeyRecord? known))
        {
            return known;
        }
        if (unknown.TryGetValue(cacheKey, out _))
        {
            return null;
        }

        await using var command = database.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<T>("value", value));
        await using var reader = await command.ExecuteReaderAsync(ct);
        KeyRecord? found = null;
        if (await reader.ReadAsync(ct))
        {
            found = new KeyRecord(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.GetBoolean(2),
                LimitsOf(NullableInt(reader, 3), NullableInt(reader, 4), NullableInt(reader, 5), NullableInt(reader, 6), NullableInt(reader, 7), NullableInt(reader, 8), NullableInt(reader, 9)));
        }
        if (found is null)
        {
            unknown.Set(cacheKey, true, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = auth.Value.UnknownKeyCacheDuration, Size = 1 });
        }
        else
        {
            cache.Set(cacheKey, found, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = auth.Value.CredentialCacheDuration, Size = 1 });
        }
        return found;
    }

    private static int? NullableInt(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    public void Dispose()
    {
        cache.Dispose();
        unknown.Dispose();
    }
}
