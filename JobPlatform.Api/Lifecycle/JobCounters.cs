using JobPlatform.Contracts;
using Npgsql;

namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// The only writer of a job's counters (<c>finished_tasks</c>, <c>failed_tasks</c>) and of its end.
/// Each counter moves by one atomic increment per job and batch of finished tasks, and the increment
/// that reaches <c>task_count</c> finishes the job, so concurrent reports can never both miss (or
/// both make) the last step. The failure that exceeds the job's threshold fails it at once, and its
/// unfinished tasks are cancelled. The counters move even when the job has already ended (a task
/// that was running when the job failed), so a retry can rely on them. Runs inside its caller's
/// transaction; job rows are locked after their tasks (<see cref="LockOrder"/>).
/// </summary>
/// <remarks>
/// A job's <c>updated_at</c> never goes back (<c>greatest(updated_at, now())</c>): now() is the
/// transaction's start, and a report batch that started first may commit last, finishing the job
/// with an older time than the batch before it. The console keeps the newest job it has seen by
/// updatedAt, so such a completion would be ignored and the page would stay "running".
/// </remarks>
internal static class JobCounters
{
    private const string Touch = "updated_at = greatest(updated_at, now())";

    /// <summary>
    /// Counts finished tasks per job, in one statement whose rows are each job's id and whether it
    /// has just failed with tasks left to cancel; run it through <see cref="RunAsync"/>.
    /// </summary>
    public static NpgsqlBatchCommand CountFinished(IReadOnlyList<(Guid JobId, int Finished, int Failed)> counts) => new(
        $"""
        UPDATE jobs j
        SET finished_tasks = j.finished_tasks + c.finished,
            failed_tasks = j.failed_tasks + c.failed,
            updated_at = greatest(j.updated_at, now()),
            status = CASE WHEN NOT (j.status = ANY(@unfinished)) THEN j.status
                          WHEN j.failed_tasks + c.failed > j.failure_threshold THEN @jobFailed
                          WHEN j.finished_tasks + c.finished < j.task_count THEN j.status
                          ELSE @jobCompleted END,
            finished_at = CASE WHEN NOT (j.status = ANY(@unfinished)) THEN j.finished_at
                               WHEN j.failed_tasks + c.failed > j.failure_threshold OR j.finished_tasks + c.finished >= j.task_count THEN now()
                               ELSE j.finished_at END
        FROM unnest(@jobs, @finished, @failed) AS c(id, finished, failed)
        JOIN ({LockOrder.Jobs("id = ANY(@jobs)")}) l ON l.id = c.id
        WHERE j.id = c.id
        RETURNING j.id, j.status = @jobFailed AND j.finished_tasks < j.task_count
        """)
    {
        Parameters =
        {
            new("jobs", counts.Select(c => c.JobId).ToArray()),
            new("finished", counts.Select(c => c.Finished).ToArray()),
            new("failed", counts.Select(c => c.Failed).ToArray()),
            new("jobFailed", JobStatus.Failed),
            new("jobCompleted", JobStatus.Completed),
            new("unfinished", JobTransitions.Finish.From),
        },
    };

    /// <summary>Counts finished tasks per job in its own batch; see <see cref="CountFinished"/>.</summary>
    public static async Task CountFinishedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<(Guid JobId, int Finished, int Failed)> counts, CancellationToken ct)
    {
        if (counts.Count == 0)
        {
            return;
        }
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { CountFinished(counts) } };
        await RunAsync(connection, transaction, batch, ct);
    }

    /// <summary>
    /// Runs a batch whose only statement returning rows is <see cref="CountFinished"/>, then cancels
    /// the unfinished tasks of every job that statement failed.
    /// </summary>
    public static async Task RunAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, NpgsqlBatch batch, CancellationToken ct)
    {
        var stopped = new List<Guid>();
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            do
            {
                while (await reader.ReadAsync(ct))
                {
                    if (reader.GetBoolean(1))
                    {
                        stopped.Add(reader.GetGuid(0));
                    }
                }
            }
            while (await reader.NextResultAsync(ct));
        }
        foreach (var jobId in stopped.Order())
        {
            await CancelLeftoversAsync(connection, transaction, jobId, ct);
        }
    }

    /// <summary>
    /// Cancels the unfinished tasks of a stopped job (<paramref name="jobId"/>), or of every stopped
    /// job (null: the reconciler), and counts them. Tasks other transactions hold are skipped rather
    /// than waited for (they hold their task and wait for this job row: waiting would deadlock);
    /// their own reports finish them, and the reconciler cancels any that are left.
    /// </summary>
    public static async Task<int> CancelLeftoversAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid? jobId, CancellationToken ct)
    {
        // One job's leftovers (a report path, on a connection with generic plans) or every stopped
        // job's (the reconciler): two texts, so each plan fits its own filter.
        var filter = jobId is null ? "" : "t.job_id = @job AND ";
        await using var command = new NpgsqlCommand(
            $"""
            WITH leftover AS (
                SELECT t.id, t.job_id FROM tasks t JOIN jobs j ON j.id = t.job_id
                WHERE {filter}j.status = ANY(@stopped) AND t.status = ANY(@from)
                FOR UPDATE OF t SKIP LOCKED
            ), cancelled AS (
                UPDATE tasks t SET status = @cancelled, lease_expires_at = NULL, finished_at = now(), updated_at = now()
                FROM leftover l WHERE t.id = l.id
                RETURNING t.id, t.job_id, t.tenant_id
            ), unsent AS (
                -- A leftover the fair share kept in the outbox would otherwise wait there for good:
                -- the relay looks only at tenants with an unfinished job.
                {Outbox.DropUnsentOf("cancelled")}
            ), counted AS (
                UPDATE jobs j SET finished_tasks = j.finished_tasks + c.n, {Touch}
                FROM (SELECT job_id, count(*) AS n FROM cancelled GROUP BY job_id) c
                JOIN ({LockOrder.Jobs("id IN (SELECT job_id FROM cancelled)")}) l ON l.id = c.job_id
                WHERE j.id = c.job_id
            )
            SELECT count(*)::int FROM cancelled
            """, connection, transaction);
        if (jobId is not null)
        {
            command.Parameters.AddWithValue("job", jobId.Value);
        }
        command.Parameters.AddWithValue("stopped", new[] { JobStatus.Failed, JobStatus.Cancelled });
        command.Parameters.AddWithValue("from", TaskTransitions.Cancel.From);
        command.Parameters.AddWithValue("cancelled", TaskTransitions.Cancel.To[0]);
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Cancels the job, counting its <paramref name="cancelledTasks"/> as finished. False when the
    /// job has already finished (or is not the tenant's), which changes nothing.
    /// </summary>
    public static async Task<bool> CancelAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, Guid jobId, int cancelledTasks, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            UPDATE jobs SET status = @cancelled, finished_tasks = finished_tasks + @count,
                            finished_at = coalesce(finished_at, now()), {Touch}
            WHERE id = @job AND tenant_id = @tenant AND status = ANY(@from)
            RETURNING status
            """, connection, transaction);
        command.Parameters.AddWithValue("job", jobId);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("cancelled", JobTransitions.Cancel.To[0]);
        command.Parameters.AddWithValue("count", cancelledTasks);
        command.Parameters.AddWithValue("from", JobTransitions.Cancel.From);
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>Runs the job again for <paramref name="retried"/> tasks, <paramref name="failed"/> of which had counted as failed.</summary>
    public static async Task ReopenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid jobId, int retried, int failed, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            UPDATE jobs SET status = @running, finished_tasks = finished_tasks - @count, failed_tasks = failed_tasks - @failed,
                            finished_at = NULL, {Touch}
            WHERE id = @job
            """, connection, transaction);
        command.Parameters.AddWithValue("job", jobId);
        command.Parameters.AddWithValue("running", JobTransitions.RetryTask.To[0]);
        command.Parameters.AddWithValue("count", retried);
        command.Parameters.AddWithValue("failed", failed);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Finishes every unfinished job whose tasks have all finished, and returns how many. The
    /// counters finish a job as its last task finishes, so this finds nothing unless a bug skipped
    /// one; the reconciler runs it so that such a job still ends.
    /// </summary>
    public static async Task<int> FinishStraysAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            UPDATE jobs j SET status = CASE WHEN j.failed_tasks > 0 THEN @jobFailed ELSE @jobCompleted END,
                              finished_at = now(), updated_at = greatest(j.updated_at, now())
            FROM ({LockOrder.Jobs("status = ANY(@unfinished) AND finished_tasks >= task_count")}) l
            WHERE j.id = l.id
            """, connection, transaction);
        command.Parameters.AddWithValue("jobFailed", JobStatus.Failed);
        command.Parameters.AddWithValue("jobCompleted", JobStatus.Completed);
        command.Parameters.AddWithValue("unfinished", JobTransitions.Finish.From);
        return await command.ExecuteNonQueryAsync(ct);
    }
}
