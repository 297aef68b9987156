using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace JobPlatform.Api.Data;

/// <summary>
/// The PostgreSQL advisory locks JobPlatform takes. Each is a (class, key) pair in PostgreSQL's
/// two-key form, and each kind of lock has a class of its own, so a hashed key (an
/// Idempotency-Key's) can never take the relay's, the reconciler's or the migrator's lock.
/// </summary>
public static class AdvisoryLocks
{
    /// <summary>One migrator at a time across Api replicas (a session lock).</summary>
    public const int Migration = 0x4A50_0001;

    /// <summary>One outbox relay at a time spends the tenants' quotas.</summary>
    public const int Relay = 0x4A50_0002;

    /// <summary>One reconciler at a time.</summary>
    public const int Reconciler = 0x4A50_0003;

    /// <summary>One pruner at a time deletes what expired.</summary>
    public const int Pruner = 0x4A50_0005;

    /// <summary>One request at a time per tenant and Idempotency-Key; the key is <see cref="IdempotencyKeyOf"/>.</summary>
    public const int IdempotencyKey = 0x4A50_0004;

    /// <summary>The lock key of a tenant's Idempotency-Key: a stable hash, the same on every replica.</summary>
    public static int IdempotencyKeyOf(string tenantId, string key) =>
        BinaryPrimitives.ReadInt32BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{tenantId}:{key}")));

    /// <summary>Takes the lock until the transaction ends, without waiting; false when another session holds it.</summary>
    public static async Task<bool> TryTakeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int lockClass, int key, CancellationToken ct)
    {
        await using var take = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(@class, @key)", connection, transaction)
        {
            Parameters = { new("class", lockClass), new("key", key) },
        };
        return await take.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>Waits for the session lock and holds it until <see cref="ReleaseAsync"/> or the connection closes.</summary>
    public static async Task TakeAsync(NpgsqlConnection connection, int lockClass, int key, CancellationToken ct)
    {
        await using var take = new NpgsqlCommand("SELECT pg_advisory_lock(@class, @key)", connection)
        {
            Parameters = { new("class", lockClass), new("key", key) },
        };
        await take.ExecuteNonQueryAsync(ct);
    }

    public static async Task ReleaseAsync(NpgsqlConnection connection, int lockClass, int key)
    {
        await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@class, @key)", connection)
        {
            Parameters = { new("class", lockClass), new("key", key) },
        };
        await release.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
