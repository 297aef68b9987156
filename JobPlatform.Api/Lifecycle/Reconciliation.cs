using JobPlatform.Api.Data;
using JobPlatform.Contracts;
using Npgsql;

namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// What the <see cref="Services.TaskReconciler"/> repairs: tasks whose worker was lost, messages
/// presumed lost, leftovers of stopped jobs, jobs whose tasks all finished. Each repair is a step
/// of its own transaction, run by one Api replica at a time, so that each locks its job rows in one
/// statement (<see cref="LockOrder"/>).
/// </summary>
public sealed class Reconciliation(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// One pass of the TaskReconciler. Running tasks whose lease ran out more than
    /// <paramref name="leaseGrace"/> ago lose their attempt (recorded as lost) and are queued again
    /// through the outbox, or dead-letter them when that was their last attempt; with no
    /// <paramref name="leaseGrace"/> no lease is taken back this pass. Tasks of the
    /// <paramref name="emptyQueues"/> (queues whose SQS queues hold no message at all) queued longer
    /// than <paramref name="lostMessageAfter"/> get a new message. Leftovers of stopped jobs are cancelled, and jobs whose tasks all
    /// finished are finished. Returns null when another replica is reconciling.
    /// </summary>
    public async Task<ReconcileResult?> ReconcileAsync(TimeSpan? leaseGrace, TimeSpan lostMessageAfter, IReadOnlyList<string> emptyQueues, int batchSize, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var expiring = await StepAsync(connection, transaction => leaseGrace is { } grace
            ? ExpireAsync(connection, transaction, grace, batchSize, ct)
            : Task.FromResult((Requeued: 0, DeadLettered: 0)), ct);
        if (expiring is not { } expired)
        {
            return null;
        }
        var resent = emptyQueues.Count > 0
            ? await StepAsync(connection, transaction => ResendAsync(connection, transaction, lostMessageAfter, emptyQueues, batchSize, ct), ct) ?? 0
            : 0;
        var leftovers = await StepAsync(connection, transaction => JobCounters.CancelLeftoversAsync(connection, transaction, jobId: null, ct), ct) ?? 0;
        var finished = await StepAsync(connection, transaction => JobCounters.FinishStraysAsync(connection, transaction, ct), ct) ?? 0;
        return new ReconcileResult(expired.Requeued, expired.DeadLettered, resent, leftovers, finished);
    }

    /// <summary>Runs one step in a transaction of its own, under the reconciler's lock; null when another replica holds it.</summary>
    private static async Task<T?> StepAsync<T>(NpgsqlConnection connection, Func<NpgsqlTransaction, Task<T>> step, CancellationToken ct) where T : struct
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (!await AdvisoryLocks.TryTakeAsync(connection, transaction, AdvisoryLocks.Reconciler, 0, ct))
        {
            return null;
        }
        var result = await step(transaction);
        await transaction.CommitAsync(ct);
        return result;
    }

    private static async Task<(int Requeued, int DeadLettered)> ExpireAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TimeSpan leaseGrace, int batchSize, CancellationToken ct)
    {
        // The lost attempt may still be running somewhere (a paused worker): it may run AT LEAST once
        // more here, and its late report is refused because it no longer holds the task.
        await using var expire = new NpgsqlCommand(
            $"""
            WITH expired AS (
                SELECT id, job_id, attempts, max_attempts, current_attempt_id FROM tasks
                WHERE status = @running AND lease_expires_at < now() - @grace
                ORDER BY lease_expires_at LIMIT @batch
                FOR UPDATE SKIP LOCKED
            ), closed AS (
                {LostAttempts.Close("SELECT current_attempt_id FROM expired", "@lostError")}
            ), moved AS (
                -- A last attempt that ended with no report is what SQS's redrive policy catches: a
                -- message received again and again without a result. The task is dead-lettered,
                -- not failed, so a poison task reads the same whichever comes first.
                UPDATE tasks t
                SET status = CASE WHEN e.attempts < e.max_attempts THEN @pending ELSE @deadLettered END,
                    error = CASE WHEN e.attempts < e.max_attempts THEN @lostError ELSE @lostLastError END,
                    lease_expires_at = NULL, current_attempt_id = NULL, updated_at = now(),
                    finished_at = CASE WHEN e.attempts < e.max_attempts THEN NULL ELSE now() END
                FROM expired e WHERE t.id = e.id
                RETURNING t.id, t.job_id, t.status
            ), queued AS (
                {Outbox.Add("moved", "s.status = @pending")}
            )
            SELECT job_id, status FROM moved
            """, connection, transaction);
        expire.Parameters.AddWithValue("running", TaskTransitions.Expire.From[0]);
        expire.Parameters.AddWithValue("pending", JobTaskStatus.Pending);
        expire.Parameters.AddWithValue("deadLettered", JobTaskStatus.DeadLettered);
        expire.Parameters.AddWithValue("grace", leaseGrace);
        expire.Parameters.AddWithValue("batch", batchSize);
        expire.Parameters.AddWithValue("lost", AttemptOutcome.Lost);
        expire.Parameters.AddWithValue("lostError", LostAttempts.Error);
        expire.Parameters.AddWithValue("lostLastError", LostAttempts.LastAttemptError);
        var moved = new List<(Guid JobId, string Status)>();
        await using (var reader = await expire.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                moved.Add((reader.GetGuid(0), reader.GetString(1)));
            }
        }
        // Job rows in id order, as report batches take them.
        await JobCounters.CountFinishedAsync(connection, transaction,
            moved.Where(m => m.Status == JobTaskStatus.DeadLettered).GroupBy(m => m.JobId).Select(g => (g.Key, g.Count(), g.Count())).ToList(), ct);
        var requeued = moved.Count(m => m.Status == JobTaskStatus.Pending);
        if (requeued > 0)
        {
            await WakeUpRelayAsync(connection, transaction, ct);
        }
        return (requeued, moved.Count - requeued);
    }

    private static async Task<int> ResendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TimeSpan after, IReadOnlyList<string> queues, int batchSize, CancellationToken ct)
    {
        await using var resend = new NpgsqlCommand(
            $"""
            WITH stale AS (
                SELECT t.id, t.job_id FROM tasks t JOIN jobs j ON j.id = t.job_id
                WHERE t.status = ANY(@waiting) AND t.updated_at < now() - @after AND j.queue = ANY(@queues)
                ORDER BY t.updated_at LIMIT @batch
                FOR UPDATE OF t SKIP LOCKED
            ), moved AS (
                UPDATE tasks t SET status = @pending, updated_at = now() FROM stale s WHERE t.id = s.id
                RETURNING t.id, t.job_id
            ), queued AS (
                {Outbox.Add("moved")}
            )
            SELECT count(*)::int FROM moved
            """, connection, transaction);
        resend.Parameters.AddWithValue("waiting", TaskTransitions.Resend.From);
        resend.Parameters.AddWithValue("pending", TaskTransitions.Resend.To[0]);
        resend.Parameters.AddWithValue("after", after);
        resend.Parameters.AddWithValue("queues", queues.ToArray());
        resend.Parameters.AddWithValue("batch", batchSize);
        var resent = (int)(await resend.ExecuteScalarAsync(ct))!;
        if (resent > 0)
        {
            await WakeUpRelayAsync(connection, transaction, ct);
        }
        return resent;
    }

    private static async Task WakeUpRelayAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var wakeUp = new NpgsqlBatch(connection, transaction) { BatchCommands = { Outbox.WakeUp() } };
        await wakeUp.ExecuteNonQueryAsync(ct);
    }
}
