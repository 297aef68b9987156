using System.Globalization;
using Npgsql;

namespace JobPlatform.Bench;

/// <summary>
/// Where a finished job's time went at its end: when most of its tasks were done, when the last
/// one was, and the attempts of the last few. A run far slower than its neighbours is then told
/// apart as a slow whole (every task late) or a stalled tail (a few tasks waiting on a lease or
/// a visibility timeout), from the benchmark's own output.
/// </summary>
internal static class JobTail
{
    private const int LastTasks = 3;

    public static async Task WriteAsync(string connectionString, Guid jobId, TextWriter progress, CancellationToken ct)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var connection = await source.OpenConnectionAsync(ct);
        await using (var spread = new NpgsqlCommand(
            """
            SELECT extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY t.finished_at - j.created_at)),
                   extract(epoch FROM max(t.finished_at - j.created_at))
            FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE j.id = @job
            """, connection))
        {
            spread.Parameters.AddWithValue("job", jobId);
            await using var reader = await spread.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            progress.WriteLine(FormattableString.Invariant(
                $"  tail: 99 % of tasks finished by {reader.GetDouble(0):N1} s, the last at {reader.GetDouble(1):N1} s"));
        }

        await using var last = new NpgsqlCommand(
            """
            SELECT t."index", a.number, a.worker_id, extract(epoch FROM a.started_at - j.created_at),
                   extract(epoch FROM a.ended_at - j.created_at), coalesce(a.outcome, 'open')
            FROM (SELECT id, "index", job_id FROM tasks WHERE job_id = @job ORDER BY finished_at DESC LIMIT @last) t
            JOIN jobs j ON j.id = t.job_id JOIN task_attempts a ON a.task_id = t.id
            ORDER BY t."index", a.number
            """, connection);
        last.Parameters.AddWithValue("job", jobId);
        last.Parameters.AddWithValue("last", LastTasks);
        await using var attempts = await last.ExecuteReaderAsync(ct);
        while (await attempts.ReadAsync(ct))
        {
            var ended = attempts.IsDBNull(4) ? "-" : attempts.GetDouble(4).ToString("N1", CultureInfo.InvariantCulture);
            progress.WriteLine(FormattableString.Invariant(
                $"    task {attempts.GetInt32(0)} attempt {attempts.GetInt32(1)} on {attempts.GetString(2)}: {attempts.GetDouble(3):N1} s to {ended} s, {attempts.GetString(5)}"));
        }
    }
}
