using System.Globalization;
using Npgsql;

namespace JobPlatform.Bench;

/// <summary>
/// Where PostgreSQL's time goes, statement by statement, from pg_stat_statements: loaded at the
/// server's start, reset before the end-to-end runs, read after them.
/// </summary>
public static class SqlProfile
{
    public static IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["shared_preload_libraries"] = "pg_stat_statements",
        ["pg_stat_statements.track_utility"] = "on",
        ["pg_stat_statements.track_planning"] = "on",
    };

    public static async Task ResetAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();", connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Writes the statements that took the most time, per 1,000 tasks; Hangfire's are left out.</summary>
    public static async Task WriteAsync(string connectionString, double tasks, TextWriter output, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT calls, total_exec_time, total_plan_time, rows, wal_bytes, regexp_replace(query, '\s+', ' ', 'g')
            FROM pg_stat_statements
            WHERE query NOT ILIKE '%hangfire%'
            ORDER BY total_exec_time + total_plan_time DESC LIMIT 15
            """, connection);
        var k = tasks / 1_000;
        output.WriteLine("  SQL profile, per 1,000 tasks: calls, execution ms, planning ms, rows, WAL kB, statement");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var query = reader.GetString(5);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {reader.GetInt64(0) / k,8:N1} {reader.GetDouble(1) / k,8:N1} {reader.GetDouble(2) / k,8:N1} {reader.GetInt64(3) / k,8:N0} {(double)reader.GetDecimal(4) / 1024 / k,8:N0}  {query[..Math.Min(query.Length, 150)]}"));
        }
    }
}
