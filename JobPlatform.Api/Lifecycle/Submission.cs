using JobPlatform.Api.Data;
using JobPlatform.Api.Identity;
using JobPlatform.Api.Services;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// A job's submission: the job, its tasks and their outbox rows in one transaction, with the
/// idempotency record that lets a client retry the request safely, within the tenant's cap on
/// unfinished tasks.
/// </summary>
public sealed class Submission(NpgsqlDataSource dataSource, IOptions<TenancyOptions> tenancy, IOptions<RetentionOptions> retention)
{
    private const string TaskColumns = "id, job_id, tenant_id, \"index\", type, status, attempts, max_attempts, created_at, updated_at, input";

    /// <summary>
    /// Stores a job, its tasks and one outbox row per task in one transaction, so a task can never
    /// be created and not enqueued. With an idempotency key, the same key and body replay the first
    /// response (for <see cref="RetentionOptions.IdempotencyKeys"/>; after that the key makes a new
    /// job), another body is refused, and a duplicate still in flight is told so. A job that would
    /// take its tenant past its cap on unfinished tasks is refused. The cap is read in the
    /// submission's own batch, without a lock, so submissions at the same moment may pass it by
    /// their own sizes.
    /// </summary>
    /// <param name="inputs">Each task's own input as JSON text, one per task in order; null when the job gave none.</param>
    public async Task<SubmitOutcome> SubmitAsync(Job job, IReadOnlyList<string>? inputs, IdempotentRequest? idempotency, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        if (idempotency is not null)
        {
            // The advisory lock is held until commit: a second request with the key either finds the
            // committed row (replay) or finds the lock taken (in flight). It never waits on the first.
            if (!await AdvisoryLocks.TryTakeAsync(connection, transaction, AdvisoryLocks.IdempotencyKey,
                AdvisoryLocks.IdempotencyKeyOf(job.TenantId, idempotency.Key), ct))
            {
                return new SubmitOutcome.InFlight();
            }

            if (await FindKeyAsync(connection, transaction, job.TenantId, idempotency, ct) is { } earlier)
            {
                return earlier;
            }
        }

        // A small job goes in one round trip: the job, its tasks, their outbox rows, the idempotency
        // record and the relay's wake-up in one batch. A big one streams its rows by binary COPY
        // between two batches.
        // The cap is read first in the same batch; a refused job's rows are rolled back, seen by no one.
        var small = job.TaskCount <= InlineTaskLimit;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(ReadCap(job));
            batch.BatchCommands.Add(InsertJob(job));
            if (small)
            {
                var taskIds = NewTaskIds(job);
                batch.BatchCommands.Add(InsertTasks(job, taskIds, inputs));
                if (!Delayed(job))
                {
                    batch.BatchCommands.Add(Outbox.AddForNewJob(job, taskIds));
                }
                AddRecordAndWakeUp(batch);
            }
            long inUse;
            int limit;
            await using (var reader = await batch.ExecuteReaderAsync(ct))
            {
                await reader.ReadAsync(ct);
                (limit, inUse) = (reader.GetInt32(0), reader.GetInt64(1));
                while (await reader.NextResultAsync(ct))
                {
                }
            }
            if (inUse + job.TaskCount > limit)
            {
                await transaction.RollbackAsync(ct);
                return new SubmitOutcome.OverCap(inUse, limit);
            }
        }
        if (!small)
        {
            await CopyTasksAsync(connection, job, inputs, ct);
            await using var batch = new NpgsqlBatch(connection, transaction);
            AddRecordAndWakeUp(batch);
            await batch.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return new SubmitOutcome.Created();

        void AddRecordAndWakeUp(NpgsqlBatch batch)
        {
            if (idempotency is not null)
            {
                batch.BatchCommands.Add(RememberResponse(job, idempotency));
            }
            batch.BatchCommands.Add(Outbox.WakeUp());
        }
    }

    /// <summary>
    /// Stores a job whose tasks come as a stream of inputs (an NDJSON body) in one transaction: the
    /// job, its tasks by binary COPY as the inputs arrive (one held at a time), then their outbox
    /// rows; the task count is the inputs'. An exception from <paramref name="inputs"/> (an input
    /// refused) rolls all of it back. An Idempotency-Key's fingerprint is known only once the inputs
    /// are read: a replay or a reused key is found then, and what was copied is rolled back.
    /// </summary>
    /// <param name="job">The job, its task count still 0; set to the inputs' count.</param>
    /// <param name="remember">What the key replays, asked once the job's count is known.</param>
    public async Task<SubmitOutcome> SubmitStreamAsync(
        Job job, IAsyncEnumerable<string> inputs, string? idempotencyKey, Func<Job, IdempotentRequest> remember, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (idempotencyKey is not null && !await AdvisoryLocks.TryTakeAsync(connection, transaction, AdvisoryLocks.IdempotencyKey,
                AdvisoryLocks.IdempotencyKeyOf(job.TenantId, idempotencyKey), ct))
        {
            return new SubmitOutcome.InFlight();
        }

        await using (var insert = new NpgsqlBatch(connection, transaction) { BatchCommands = { InsertJob(job) } })
        {
            await insert.ExecuteNonQueryAsync(ct);
        }
        var count = 0;
        await using (var tasks = await connection.BeginBinaryImportAsync($"COPY tasks ({TaskColumns}) FROM STDIN (FORMAT BINARY)", ct))
        {
            await foreach (var input in inputs.WithCancellation(ct))
            {
                await WriteTaskAsync(tasks, job, Guid.CreateVersion7(job.CreatedAt), count++, input, ct);
            }
            await tasks.CompleteAsync(ct);
        }
        job.TaskCount = count;

        var idempotency = idempotencyKey is null ? null : remember(job);
        if (idempotency is not null && await FindKeyAsync(connection, transaction, job.TenantId, idempotency, ct) is { } earlier)
        {
            return earlier;
        }
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            // The cap is read before the job's count is set, so the job itself is not counted in it.
            batch.BatchCommands.Add(ReadCap(job));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE jobs SET task_count = @count WHERE id = @id")
            {
                Parameters = { new("count", count), new("id", job.Id) },
            });
            if (!Delayed(job))
            {
                batch.BatchCommands.Add(Outbox.AddForStoredTasks(job));
            }
            if (idempotency is not null)
            {
                batch.BatchCommands.Add(RememberResponse(job, idempotency));
            }
            batch.BatchCommands.Add(Outbox.WakeUp());
            long inUse;
            int limit;
            await using (var reader = await batch.ExecuteReaderAsync(ct))
            {
                await reader.ReadAsync(ct);
                (limit, inUse) = (reader.GetInt32(0), reader.GetInt64(1));
                while (await reader.NextResultAsync(ct))
                {
                }
            }
            if (inUse + count > limit)
            {
                return new SubmitOutcome.OverCap(inUse, limit);
            }
        }
        await transaction.CommitAsync(ct);
        return new SubmitOutcome.Created();
    }

    /// <summary>The earlier answer to the key, within its window: a replay of the same request, or a refusal of another; null when the key is new.</summary>
    private async Task<SubmitOutcome?> FindKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, IdempotentRequest idempotency, CancellationToken ct)
    {
        await using var find = new NpgsqlCommand(
            "SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE tenant_id = @tenant AND key = @key AND created_at > now() - @window",
            connection, transaction);
        find.Parameters.AddWithValue("tenant", tenantId);
        find.Parameters.AddWithValue("key", idempotency.Key);
        find.Parameters.AddWithValue("window", retention.Value.IdempotencyKeys);
        await using var reader = await find.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        return reader.GetString(0) == idempotency.RequestHash
            ? new SubmitOutcome.Replayed(reader.GetInt32(1), reader.GetString(2))
            : new SubmitOutcome.KeyReused();
    }

    /// <summary>
    /// The most tasks a job may have to be inserted with it in one round trip; bigger jobs are
    /// copied. A row costs about the same either way, the round trips do not: a one-task job took
    /// six of them through COPY, and under load each was a wait on a busy Api.
    /// </summary>
    public const int InlineTaskLimit = 1_000;

    private static Guid[] NewTaskIds(Job job)
    {
        var ids = new Guid[job.TaskCount];
        for (var index = 0; index < ids.Length; index++)
        {
            ids[index] = Guid.CreateVersion7(job.CreatedAt);
        }
        return ids;
    }

    // Unfinished tasks are counted from the jobs' counters, through the index of unfinished jobs.
    private NpgsqlBatchCommand ReadCap(Job job) => new(
        """
        SELECT COALESCE((SELECT max_unfinished_tasks FROM tenants WHERE id = @tenant), @default),
               (SELECT COALESCE(sum(task_count - finished_tasks), 0)::bigint FROM jobs WHERE tenant_id = @tenant AND finished_tasks < task_count)
        """)
    {
        Parameters =
        {
            new("tenant", job.TenantId),
            new("default", tenancy.Value.MaxUnfinishedTasks),
        },
    };

    private static NpgsqlBatchCommand InsertJob(Job job) => new(
        """
        INSERT INTO jobs (id, tenant_id, name, type, queue, status, task_count, max_attempts, failure_threshold, timeout_seconds,
                          parameters, priority, finished_tasks, failed_tasks, trace_parent, created_at, updated_at, retry_backoff, run_at, schedule_id)
        VALUES (@id, @tenant, @name, @type, @queue, @status, @count, @maxAttempts, @threshold, @timeout,
                @parameters::jsonb, @priority, 0, 0, @traceParent, @now, @now, @retryBackoff::jsonb, @runAt, @schedule)
        """)
    {
        Parameters =
        {
            new("id", job.Id),
            new("tenant", job.TenantId),
            new("priority", job.Priority),
            new("name", job.Name),
            new("type", job.Type),
            new("queue", job.Queue),
            new("retryBackoff", NpgsqlDbType.Text) { Value = (object?)Data.RetryBackoffJson.Write(job.RetryBackoff) ?? DBNull.Value },
            new("status", job.Status),
            new("runAt", NpgsqlDbType.TimestampTz) { Value = (object?)job.RunAt ?? DBNull.Value },
            new("schedule", NpgsqlDbType.Uuid) { Value = (object?)job.ScheduleId ?? DBNull.Value },
            new("count", job.TaskCount),
            new("maxAttempts", job.MaxAttempts),
            new("threshold", job.FailureThreshold),
            new("timeout", NpgsqlDbType.Integer) { Value = (object?)job.TimeoutSeconds ?? DBNull.Value },
            new("parameters", job.Parameters.ToJsonString()),
            new("traceParent", NpgsqlDbType.Varchar) { Value = (object?)job.TraceParent ?? DBNull.Value },
            new("now", job.CreatedAt),
        },
    };

    private static NpgsqlBatchCommand InsertTasks(Job job, Guid[] taskIds, IReadOnlyList<string>? inputs) => new(
        $"""
        INSERT INTO tasks ({TaskColumns})
        SELECT u.id, @job, @tenant, u.n - 1, @type, @status, 0, @maxAttempts, @now, @now, u.input::jsonb
        FROM unnest(@ids, @inputs) WITH ORDINALITY AS u(id, input, n)
        """)
    {
        Parameters =
        {
            new("ids", taskIds),
            new("inputs", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = inputs?.ToArray() ?? new string?[taskIds.Length] },
            new("job", job.Id),
            new("tenant", job.TenantId),
            new("type", job.Type),
            new("status", JobTaskStatus.Pending),
            new("maxAttempts", job.MaxAttempts),
            new("now", job.CreatedAt),
        },
    };

    private static NpgsqlBatchCommand RememberResponse(Job job, IdempotentRequest idempotency) => new(
        """
        INSERT INTO idempotency_keys (tenant_id, key, request_hash, job_id, response_status, response_body, created_at)
        VALUES (@tenant, @key, @hash, @job, @status, @body, @now)
        ON CONFLICT (tenant_id, key) DO UPDATE SET request_hash = excluded.request_hash, job_id = excluded.job_id,
            response_status = excluded.response_status, response_body = excluded.response_body, created_at = excluded.created_at
        """)
    {
        Parameters =
        {
            new("tenant", job.TenantId),
            new("key", idempotency.Key),
            new("hash", idempotency.RequestHash),
            new("job", job.Id),
            new("status", idempotency.ResponseStatus),
            new("body", idempotency.ResponseBody),
            new("now", job.CreatedAt),
        },
    };

    // Binary COPY keeps a 100,000-task job to one round trip per table.
    private static async Task CopyTasksAsync(NpgsqlConnection connection, Job job, IReadOnlyList<string>? inputs, CancellationToken ct)
    {
        var taskIds = NewTaskIds(job);
        await using (var tasks = await connection.BeginBinaryImportAsync($"COPY tasks ({TaskColumns}) FROM STDIN (FORMAT BINARY)", ct))
        {
            for (var index = 0; index < job.TaskCount; index++)
            {
                await WriteTaskAsync(tasks, job, taskIds[index], index, inputs?[index], ct);
            }
            await tasks.CompleteAsync(ct);
        }

        if (!Delayed(job))
        {
            await Outbox.CopyForNewJobAsync(connection, job, taskIds, ct);
        }
    }

    /// <summary>
    /// A delayed job's tasks get no outbox rows yet: <see cref="DelayedJobs"/> writes them when it is
    /// due, so until then the relay never reads them.
    /// </summary>
    private static bool Delayed(Job job) => job.Status == JobStatus.Scheduled;

    /// <summary>One task's row of a COPY in <see cref="TaskColumns"/>' order.</summary>
    private static async Task WriteTaskAsync(NpgsqlBinaryImporter tasks, Job job, Guid id, int index, string? input, CancellationToken ct)
    {
        await tasks.StartRowAsync(ct);
        await tasks.WriteAsync(id, NpgsqlDbType.Uuid, ct);
        await tasks.WriteAsync(job.Id, NpgsqlDbType.Uuid, ct);
        await tasks.WriteAsync(job.TenantId, NpgsqlDbType.Text, ct);
        await tasks.WriteAsync(index, NpgsqlDbType.Integer, ct);
        await tasks.WriteAsync(job.Type, NpgsqlDbType.Text, ct);
        await tasks.WriteAsync(JobTaskStatus.Pending, NpgsqlDbType.Text, ct);
        await tasks.WriteAsync(0, NpgsqlDbType.Integer, ct);
        await tasks.WriteAsync(job.MaxAttempts, NpgsqlDbType.Integer, ct);
        await tasks.WriteAsync(job.CreatedAt, NpgsqlDbType.TimestampTz, ct);
        await tasks.WriteAsync(job.CreatedAt, NpgsqlDbType.TimestampTz, ct);
        if (input is null)
        {
            await tasks.WriteNullAsync(ct);
        }
        else
        {
            await tasks.WriteAsync(input, NpgsqlDbType.Jsonb, ct);
        }
    }
}
