using JobPlatform.Api.Data;
using JobPlatform.Contracts;
using Npgsql;

namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// What is deleted, and when: a finished job (every task final) with its tasks, attempts and
/// results, once its tenant's retention has passed or when its tenant deletes it; idempotency keys
/// past their window; dead letters past theirs. An unfinished job is never touched.
/// </summary>
public sealed class Retention(NpgsqlDataSource dataSource)
{
    /// <summary>A job that may be deleted: finished, and every one of its tasks too.</summary>
    private const string Finished = "status = ANY(@final) AND finished_tasks >= task_count";

    /// <summary>A finished job past its tenant's retention (or the default for tenants with none).</summary>
    private const string PastRetention =
        "finished_at < now() - make_interval(days => COALESCE((SELECT t.job_retention_days FROM tenants t WHERE t.id = jobs.tenant_id), @defaultDays))";

    /// <summary>
    /// Deletes one finished job of the tenant with all its rows, in one transaction: its tasks first,
    /// then the job row, checked under its lock (<see cref="LockOrder"/>: tasks before their job).
    /// </summary>
    public async Task<DeleteJobOutcome> DeleteJobAsync(string tenantId, Guid jobId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // Read first without a lock, so an unfinished job's tasks are not deleted only to be rolled back.
        await using (var peek = new NpgsqlCommand($"SELECT status, {Finished} FROM jobs WHERE id = @job AND tenant_id = @tenant", connection))
        {
            peek.Parameters.AddWithValue("job", jobId);
            peek.Parameters.AddWithValue("tenant", tenantId);
            peek.Parameters.AddWithValue("final", JobStatus.Final.ToArray());
            await using var reader = await peek.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return new DeleteJobOutcome.NotFound();
            }
            if (!reader.GetBoolean(1))
            {
                return new DeleteJobOutcome.Unfinished(reader.GetString(0));
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(ct);
        var tasks = await DeleteTasksAsync(connection, transaction, jobId, batchSize: null, ct);
        await using var delete = new NpgsqlCommand(
            $"""
            WITH job AS ({LockOrder.Jobs($"id = @job AND tenant_id = @tenant AND {Finished}", "id, status")})
            DELETE FROM jobs j USING job WHERE j.id = job.id RETURNING j.status
            """, connection, transaction);
        delete.Parameters.AddWithValue("job", jobId);
        delete.Parameters.AddWithValue("tenant", tenantId);
        delete.Parameters.AddWithValue("final", JobStatus.Final.ToArray());
        if (await delete.ExecuteScalarAsync(ct) is null)
        {
            // A retry reopened it meanwhile.
            await transaction.RollbackAsync(ct);
            return new DeleteJobOutcome.Unfinished(JobStatus.Running);
        }
        await transaction.CommitAsync(ct);
        return new DeleteJobOutcome.Deleted(tasks);
    }

    /// <summary>Whether the job is past its tenant's retention, so that no command reopens what the pruner is deleting.</summary>
    public static async Task<bool> IsPastRetentionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid jobId, int defaultDays, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT {PastRetention} FROM jobs WHERE id = @job", connection, transaction);
        command.Parameters.AddWithValue("job", jobId);
        command.Parameters.AddWithValue("defaultDays", defaultDays);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>
    /// One step of the pruner, in a transaction of its own under the pruner's advisory lock: up to
    /// <paramref name="batchSize"/> rows of what expired first (a job's tasks, then the job itself
    /// once it has none; then idempotency keys; then dead letters). Returns what it deleted, nothing
    /// when all is pruned, or null when another replica is pruning.
    /// </summary>
    public async Task<PruneStep?> PruneStepAsync(RetentionPolicy policy, int batchSize, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (!await AdvisoryLocks.TryTakeAsync(connection, transaction, AdvisoryLocks.Pruner, 0, ct))
        {
            return null;
        }

        var step = await PruneJobAsync(connection, transaction, policy, batchSize, ct);
        if (step.Total == 0)
        {
            step = step with { IdempotencyKeys = await DeleteOldAsync(connection, transaction, "idempotency_keys", "created_at", policy.IdempotencyKeys, batchSize, ct) };
        }
        if (step.Total == 0)
        {
            step = step with { DeadLetters = await DeleteOldAsync(connection, transaction, "dead_letters", "recorded_at", policy.DeadLetters, batchSize, ct) };
        }
        await transaction.CommitAsync(ct);
        return step;
    }

    private static async Task<PruneStep> PruneJobAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RetentionPolicy policy, int batchSize, CancellationToken ct)
    {
        // The oldest expired job first. The shortest retention of any tenant bounds the walk along
        // the index of finished jobs; each job is then held to its own tenant's.
        await using var find = new NpgsqlCommand(
            $"""
            SELECT id FROM jobs
            WHERE finished_at < now() - make_interval(days => (SELECT LEAST(@defaultDays, min(job_retention_days)) FROM tenants))
              AND {Finished} AND {PastRetention}
            ORDER BY finished_at LIMIT 1
            """, connection, transaction);
        find.Parameters.AddWithValue("defaultDays", policy.DefaultJobDays);
        find.Parameters.AddWithValue("final", JobStatus.Final.ToArray());
        if (await find.ExecuteScalarAsync(ct) is not Guid jobId)
        {
            return new PruneStep(0, 0, 0, 0);
        }

        var tasks = await DeleteTasksAsync(connection, transaction, jobId, batchSize, ct);
        // Then the job row, under its lock and only while it is still finished and expired: a retry
        // of an expired job is refused (JobCommands), so this holds once it held.
        await using var job = new NpgsqlCommand(
            $"""
            WITH job AS ({LockOrder.Jobs($"id = @job AND {Finished} AND {PastRetention}")})
            SELECT count(*)::int FROM job
            """, connection, transaction);
        job.Parameters.AddWithValue("job", jobId);
        job.Parameters.AddWithValue("defaultDays", policy.DefaultJobDays);
        job.Parameters.AddWithValue("final", JobStatus.Final.ToArray());
        if ((int)(await job.ExecuteScalarAsync(ct))! == 0)
        {
            throw new InvalidOperationException($"Job {jobId} stopped being finished and expired while its tasks were pruned.");
        }
        var jobs = 0;
        if (tasks < batchSize)
        {
            await using var delete = new NpgsqlCommand("DELETE FROM jobs WHERE id = @job", connection, transaction);
            delete.Parameters.AddWithValue("job", jobId);
            jobs = await delete.ExecuteNonQueryAsync(ct);
        }
        return new PruneStep(jobs, tasks, 0, 0);
    }

    // Attempts go with their task (ON DELETE CASCADE). With no batch size, all of the job's tasks.
    private static async Task<int> DeleteTasksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid jobId, int? batchSize, CancellationToken ct)
    {
        await using var delete = new NpgsqlCommand(
            batchSize is null
                ? "DELETE FROM tasks WHERE job_id = @job"
                : "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE job_id = @job LIMIT @batch FOR UPDATE)",
            connection, transaction);
        delete.Parameters.AddWithValue("job", jobId);
        if (batchSize is { } size)
        {
            delete.Parameters.AddWithValue("batch", size);
        }
        return await delete.ExecuteNonQueryAsync(ct);
    }

    private static async Task<int> DeleteOldAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, string column, TimeSpan age, int batchSize, CancellationToken ct)
    {
        await using var delete = new NpgsqlCommand(
            $"DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table} WHERE {column} < now() - @age LIMIT @batch))",
            connection, transaction);
        delete.Parameters.AddWithValue("age", age);
        delete.Parameters.AddWithValue("batch", batchSize);
        return await delete.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>How long each kind of row is kept: jobs by their tenant's days or <paramref name="DefaultJobDays"/>.</summary>
public sealed record RetentionPolicy(int DefaultJobDays, TimeSpan IdempotencyKeys, TimeSpan DeadLetters);

/// <summary>What one pruner step deleted (a task's attempts go with it).</summary>
public sealed record PruneStep(int Jobs, int Tasks, int IdempotencyKeys, int DeadLetters)
{
    public int Total => Jobs + Tasks + IdempotencyKeys + DeadLetters;
}

public abstract record DeleteJobOutcome
{
    public sealed record Deleted(int Tasks) : DeleteJobOutcome;
    public sealed record Unfinished(string Status) : DeleteJobOutcome;
    public sealed record NotFound : DeleteJobOutcome;
}
