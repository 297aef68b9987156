using JobPlatform.Api.Identity;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// What a tenant may do to its own jobs once submitted: cancel them and retry them. Each command
/// takes the tenant and enforces it in its own SQL, so another tenant's job is not found whichever
/// endpoint calls it.
/// </summary>
public sealed class JobCommands(NpgsqlDataSource dataSource, IOptions<TenancyOptions> tenancy)
{
    /// <summary>
    /// Cancels every task of the job that has not finished and marks the job cancelled. Running
    /// tasks stop when their next heartbeat is refused; queued messages are dropped when their claim
    /// is. Idempotent: cancelling a cancelled job changes nothing.
    /// </summary>
    public async Task<JobCommandOutcome> CancelJobAsync(string tenantId, Guid jobId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        await using var command = new NpgsqlCommand(
            $"""
            WITH locked AS (
                {LockOrder.Tasks("job_id = @job AND tenant_id = @tenant AND status = ANY(@from)")}
            ), cancelled AS (
                UPDATE tasks t SET status = @cancelled, lease_expires_at = NULL, finished_at = now(), updated_at = now()
                FROM locked l WHERE t.id = l.id AND t.status = ANY(@from)
                RETURNING t.id, t.tenant_id
            ), unsent AS (
                -- Rows the relay is sending meanwhile go out; their claims are refused.
                {Outbox.DropUnsentOf("cancelled")}
            )
            SELECT count(*)::int FROM cancelled
            """, connection, transaction);
        command.Parameters.AddWithValue("job", jobId);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("cancelled", TaskTransitions.Cancel.To[0]);
        command.Parameters.AddWithValue("from", TaskTransitions.Cancel.From);
        var count = (int)(await command.ExecuteScalarAsync(ct))!;

        if (!await JobCounters.CancelAsync(connection, transaction, tenantId, jobId, count, ct))
        {
            var status = await LockJobAsync(connection, transaction, tenantId, jobId, ct);
            await transaction.RollbackAsync(ct);
            return status switch
            {
                null => new JobCommandOutcome.NotFound(),
                JobStatus.Cancelled => new JobCommandOutcome.Done(0),
                _ => new JobCommandOutcome.Refused(status),
            };
        }
        await transaction.CommitAsync(ct);
        return new JobCommandOutcome.Done(count);
    }

    /// <summary>
    /// Runs a job's failed, dead-lettered and cancelled tasks again, each with a fresh allowance of
    /// attempts (its attempt history is kept), through the outbox like a submission. Only a
    /// finished job can be retried.
    /// </summary>
    public Task<JobCommandOutcome> RetryJobAsync(string tenantId, Guid jobId, CancellationToken ct) =>
        RetryAsync(tenantId, jobId, taskId: null, ct);

    /// <summary>Runs one failed, dead-lettered or cancelled task again, as <see cref="RetryJobAsync"/> does.</summary>
    public Task<JobCommandOutcome> RetryTaskAsync(string tenantId, Guid jobId, Guid taskId, CancellationToken ct) =>
        RetryAsync(tenantId, jobId, taskId, ct);

    private async Task<JobCommandOutcome> RetryAsync(string tenantId, Guid jobId, Guid? taskId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        const string chosen = "job_id = @job AND tenant_id = @tenant AND status = ANY(@from) AND (@task::uuid IS NULL OR id = @task)";
        await using (var lockTasks = new NpgsqlCommand(LockOrder.Tasks(chosen), connection, transaction))
        {
            lockTasks.Parameters.AddWithValue("job", jobId);
            lockTasks.Parameters.AddWithValue("tenant", tenantId);
            lockTasks.Parameters.AddWithValue("task", NpgsqlDbType.Uuid, (object?)taskId ?? DBNull.Value);
            lockTasks.Parameters.AddWithValue("from", TaskTransitions.Retry.From);
            await lockTasks.ExecuteNonQueryAsync(ct);
        }
        var jobStatus = await LockJobAsync(connection, transaction, tenantId, jobId, ct);
        if (jobStatus is null)
        {
            return new JobCommandOutcome.NotFound();
        }
        if (taskId is null && !JobTransitions.RetryJob.From.Contains(jobStatus))
        {
            return new JobCommandOutcome.Refused(jobStatus);
        }
        if (await Retention.IsPastRetentionAsync(connection, transaction, jobId, tenancy.Value.JobRetentionDays, ct))
        {
            return new JobCommandOutcome.Expired();
        }

        await using var command = new NpgsqlCommand(
            $"""
            WITH chosen AS (
                SELECT id, status FROM tasks WHERE {chosen}
                FOR UPDATE
            ), retried AS (
                UPDATE tasks t
                SET status = @pending, max_attempts = t.attempts + j.max_attempts, current_attempt_id = NULL,
                    lease_expires_at = NULL, error = NULL, result = NULL, finished_at = NULL, updated_at = now()
                FROM chosen c, jobs j
                WHERE t.id = c.id AND j.id = t.job_id
                RETURNING t.id, t.job_id, c.status AS previous
            ), queued AS (
                {Outbox.Add("retried")}
            )
            SELECT count(*)::int, count(*) FILTER (WHERE previous = ANY(@failed))::int FROM retried
            """, connection, transaction);
        command.Parameters.AddWithValue("job", jobId);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("task", NpgsqlDbType.Uuid, (object?)taskId ?? DBNull.Value);
        command.Parameters.AddWithValue("from", TaskTransitions.Retry.From);
        command.Parameters.AddWithValue("pending", TaskTransitions.Retry.To[0]);
        command.Parameters.AddWithValue("failed", new[] { JobTaskStatus.Failed, JobTaskStatus.DeadLettered });
        int count, failed;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            (count, failed) = (reader.GetInt32(0), reader.GetInt32(1));
        }
        if (count == 0)
        {
            var taskStatus = taskId is null ? null : await TaskStatusAsync(connection, transaction, jobId, taskId.Value, ct);
            await transaction.RollbackAsync(ct);
            return taskId is not null && taskStatus is null
                ? new JobCommandOutcome.NotFound()
                : new JobCommandOutcome.Refused(taskStatus ?? jobStatus);
        }

        await JobCounters.ReopenAsync(connection, transaction, jobId, count, failed, ct);
        await using (var wakeUp = new NpgsqlBatch(connection, transaction) { BatchCommands = { Outbox.WakeUp() } })
        {
            await wakeUp.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return new JobCommandOutcome.Done(count);
    }

    // The job row, locked after its tasks (LockOrder); null when the tenant has no such job.
    private static async Task<string?> LockJobAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, Guid jobId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(LockOrder.Jobs("id = @id AND tenant_id = @tenant", "status"), connection, transaction);
        command.Parameters.AddWithValue("id", jobId);
        command.Parameters.AddWithValue("tenant", tenantId);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private static async Task<string?> TaskStatusAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid jobId, Guid taskId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT status FROM tasks WHERE id = @id AND job_id = @job", connection, transaction);
        command.Parameters.AddWithValue("id", taskId);
        command.Parameters.AddWithValue("job", jobId);
        return await command.ExecuteScalarAsync(ct) as string;
    }
}
