using JobPlatform.Contracts;
using Npgsql;

namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// Work that waits for its time in PostgreSQL: jobs submitted to run later (<c>runAt</c> or
/// <c>delay</c>), and tasks waiting out a retry's backoff. A delayed job waits as <c>scheduled</c>,
/// with its tasks stored and no outbox rows; a retrying task waits until its <c>retry_at</c>, with
/// no message (its worker deleted it). Nothing of either is in SQS (whose delays stop at 15
/// minutes) and the relay never reads them. When one is due, its outbox rows are written and it
/// becomes <c>pending</c>; from there it is released like any task, within its tenant's fair share,
/// quota and priorities. The <see cref="Services.OutboxRelay"/> releases them, on the Api's clock:
/// the one a job's <c>runAt</c> is read on and a retry's <c>retry_at</c> was set on.
/// </summary>
public sealed class DelayedJobs(NpgsqlDataSource dataSource)
{
    /// <summary>Jobs one release takes: a job's rows are one statement however many tasks it has.</summary>
    private const int BatchSize = 100;

    /// <summary>Retrying tasks one release takes.</summary>
    private const int RetryBatchSize = 1_000;

    /// <summary>
    /// Releases the scheduled jobs and the retries due at <paramref name="now"/> (up to a batch of
    /// each; each replica takes others than the rest, <c>SKIP LOCKED</c>) in one transaction with
    /// their outbox rows, and says how many jobs and tasks it released and when the next is due
    /// (null when nothing waits). It wakes no relay: the relay that calls it sends what it released
    /// in the same pass, and every replica's relay looks at the same due time.
    /// </summary>
    public async Task<(int Released, DateTimeOffset? NextDue)> ReleaseDueAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                // The guard on status beside the lock: a job cancelled meanwhile stays cancelled, and its tasks get no rows.
                new NpgsqlBatchCommand(
                    $"""
                    WITH due AS (
                        UPDATE jobs SET status = @pending, updated_at = @now
                        WHERE id IN (SELECT id FROM jobs WHERE status = ANY(@from) AND run_at <= @now ORDER BY run_at LIMIT @batch FOR UPDATE SKIP LOCKED)
                          AND status = ANY(@from)
                        RETURNING id
                    ), released AS (SELECT t.id, t.job_id FROM tasks t JOIN due d ON t.job_id = d.id WHERE t.status = @taskPending),
                    added AS ({Outbox.Add("released")} RETURNING 1)
                    SELECT count(*)::int FROM due
                    """)
                {
                    Parameters =
                    {
                        new("pending", JobTransitions.Release.To[0]),
                        new("from", JobTransitions.Release.From),
                        new("now", now),
                        new("batch", BatchSize),
                        new("taskPending", JobTaskStatus.Pending),
                    },
                },
                // A task cancelled meanwhile is no longer retrying, and stays as it is.
                new NpgsqlBatchCommand(
                    $"""
                    WITH due AS (
                        UPDATE tasks SET status = @pending, retry_at = NULL, updated_at = now()
                        WHERE id IN (SELECT id FROM tasks WHERE status = ANY(@from) AND retry_at <= @now ORDER BY retry_at LIMIT @batch FOR UPDATE SKIP LOCKED)
                          AND status = ANY(@from)
                        RETURNING id, job_id
                    ), added AS ({Outbox.Add("due")} RETURNING 1)
                    SELECT count(*)::int FROM due
                    """)
                {
                    Parameters =
                    {
                        new("pending", TaskTransitions.RetryDue.To[0]),
                        new("from", TaskTransitions.RetryDue.From),
                        new("now", now),
                        new("batch", RetryBatchSize),
                    },
                },
                new NpgsqlBatchCommand(
                    """
                    SELECT least((SELECT min(run_at) FROM jobs WHERE status = @scheduled),
                                 (SELECT min(retry_at) FROM tasks WHERE status = @retrying))
                    """)
                {
                    Parameters = { new("scheduled", JobStatus.Scheduled), new("retrying", JobTaskStatus.Retrying) },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var released = reader.GetInt32(0);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        released += reader.GetInt32(0);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var next = reader.IsDBNull(0) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(0);
        return (released, next);
    }
}
