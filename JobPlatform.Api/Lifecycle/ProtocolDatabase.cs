using Npgsql;

namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// The worker protocol's connections: claims, reports and heartbeats, a few statements run hundreds
/// of times a second, each reading or moving rows by their ids. On these connections each statement
/// is prepared once and keeps one generic plan (planning took a third of PostgreSQL's time,
/// docs/benchmarks.md), and sequential scans and hash and merge joins are off, so every plan looks
/// rows up by index: the right plan for a few ids at any table size, where a generic plan costed on
/// a nearly empty table would scan or hash it.
/// <para>
/// The rule for SQL run here: no <c>@p IS NULL OR ...</c> filters and nothing an index lookup
/// cannot serve. Only <see cref="WorkerProtocol"/> runs statements on it, and it runs none elsewhere.
/// </para>
/// </summary>
public sealed class ProtocolDatabase(NpgsqlDataSource dataSource)
{
    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken ct) => dataSource.OpenConnectionAsync(ct);
}
