using System.Text.Json.Nodes;
using JobPlatform.Api.Domain;
using JobPlatform.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace JobPlatform.Api.Data;

/// <summary>
/// Every write that moves a job or a task, in one place. Each transition is one guarded statement
/// (<c>WHERE status = ANY(@expected)</c>) that reports whether it applied, and its side effects
/// (attempt rows, job counters, outbox rows) commit with it.
/// </summary>
public sealed class PostgresJobStore(
    NpgsqlDataSource dataSource,
    [FromKeyedServices(Extensions.Extensions.ProtocolDataSource)] NpgsqlDataSource protocol)
{
    private const string LostAttemptError = "The worker stopped reporting before the lease ran out.";

    private const string LostLastAttemptError =
        "The worker stopped reporting before the lease ran out, on the task's last attempt: the task may crash its worker. Dead-lettered; retry it once the cause is fixed.";

    /// <summary>The channel OutboxRelay listens on; a submission notifies it on commit.</summary>
    public const string OutboxChannel = "jobplatform_outbox";

    /// <summary>
    /// Stores a job, its tasks and one outbox row per task in one transaction, so a task can never
    /// be created and not enqueued. With an idempotency key, the same key and body replay the first
    /// response, another body is refused, and a duplicate still in flight is told so.
    /// </summary>
    public async Task<SubmitOutcome> SubmitAsync(Job job, IdempotentRequest? idempotency, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        if (idempotency is not null)
        {
            // The advisory lock is held until commit: a second request with the key either finds the
            // committed row (replay) or finds the lock taken (in flight). It never waits on the first.
            await using (var lockCommand = new NpgsqlCommand(
                "SELECT pg_try_advisory_xact_lock(hashtextextended(@tenant || ':' || @key, 0))", connection, transaction))
            {
                lockCommand.Parameters.AddWithValue("tenant", job.TenantId);
                lockCommand.Parameters.AddWithValue("key", idempotency.Key);
                if (await lockCommand.ExecuteScalarAsync(ct) is not true)
                {
                    return new SubmitOutcome.InFlight();
                }
            }

            await using var find = new NpgsqlCommand(
                "SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE tenant_id = @tenant AND key = @key",
                connection, transaction);
            find.Parameters.AddWithValue("tenant", job.TenantId);
            find.Parameters.AddWithValue("key", idempotency.Key);
            await using var reader = await find.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                return reader.GetString(0) == idempotency.RequestHash
                    ? new SubmitOutcome.Replayed(reader.GetInt32(1), reader.GetString(2))
                    : new SubmitOutcome.KeyReused();
            }
        }

        // A small job goes in one round trip: the job, its tasks, their outbox rows, the idempotency
        // record and the relay's wake-up in one batch. A big one streams its rows by binary COPY
        // between two batches.
        var small = job.TaskCount <= InlineTaskLimit;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(InsertJob(job));
            if (small)
            {
                var taskIds = NewTaskIds(job);
                batch.BatchCommands.Add(InsertTasks(job, taskIds));
                batch.BatchCommands.Add(InsertOutbox(job, taskIds));
                AddRecordAndWakeUp(batch);
            }
            await batch.ExecuteNonQueryAsync(ct);
        }
        if (!small)
        {
            await CopyTasksAsync(connection, job, ct);
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
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"NOTIFY {OutboxChannel}"));
        }
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

    private static NpgsqlBatchCommand InsertJob(Job job) => new(
        """
        INSERT INTO jobs (id, tenant_id, name, type, status, task_count, max_attempts, failure_threshold, timeout_seconds,
                          parameters, priority, finished_tasks, failed_tasks, trace_parent, created_at, updated_at)
        VALUES (@id, @tenant, @name, @type, @status, @count, @maxAttempts, @threshold, @timeout,
                @parameters::jsonb, @priority, 0, 0, @traceParent, @now, @now)
        """)
    {
        Parameters =
        {
            new("id", job.Id),
            new("tenant", job.TenantId),
            new("priority", job.Priority),
            new("name", job.Name),
            new("type", job.Type),
            new("status", JobStatus.Pending),
            new("count", job.TaskCount),
            new("maxAttempts", job.MaxAttempts),
            new("threshold", job.FailureThreshold),
            new("timeout", NpgsqlDbType.Integer) { Value = (object?)job.TimeoutSeconds ?? DBNull.Value },
            new("parameters", job.Parameters.ToJsonString()),
            new("traceParent", NpgsqlDbType.Varchar) { Value = (object?)job.TraceParent ?? DBNull.Value },
            new("now", job.CreatedAt),
        },
    };

    private static NpgsqlBatchCommand InsertTasks(Job job, Guid[] taskIds) => new(
        """
        INSERT INTO tasks (id, job_id, tenant_id, "index", type, status, attempts, max_attempts, created_at, updated_at)
        SELECT u.id, @job, @tenant, u.n - 1, @type, @status, 0, @maxAttempts, @now, @now
        FROM unnest(@ids) WITH ORDINALITY AS u(id, n)
        """)
    {
        Parameters =
        {
            new("ids", taskIds),
            new("job", job.Id),
            new("tenant", job.TenantId),
            new("type", job.Type),
            new("status", JobTaskStatus.Pending),
            new("maxAttempts", job.MaxAttempts),
            new("now", job.CreatedAt),
        },
    };

    private static NpgsqlBatchCommand InsertOutbox(Job job, Guid[] taskIds) => new(
        """
        INSERT INTO outbox_messages (task_id, job_id, tenant_id, priority, trace_parent, created_at)
        SELECT u.id, @job, @tenant, @priority, @traceParent, @now FROM unnest(@ids) AS u(id)
        """)
    {
        Parameters =
        {
            new("ids", taskIds),
            new("job", job.Id),
            new("tenant", job.TenantId),
            new("priority", job.Priority),
            new("traceParent", NpgsqlDbType.Varchar) { Value = (object?)job.TraceParent ?? DBNull.Value },
            new("now", job.CreatedAt),
        },
    };

    private static NpgsqlBatchCommand RememberResponse(Job job, IdempotentRequest idempotency) => new(
        """
        INSERT INTO idempotency_keys (tenant_id, key, request_hash, job_id, response_status, response_body, created_at)
        VALUES (@tenant, @key, @hash, @job, @status, @body, @now)
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
    private static async Task CopyTasksAsync(NpgsqlConnection connection, Job job, CancellationToken ct)
    {
        var taskIds = NewTaskIds(job);
        await using (var tasks = await connection.BeginBinaryImportAsync(
            """COPY tasks (id, job_id, tenant_id, "index", type, status, attempts, max_attempts, created_at, updated_at) FROM STDIN (FORMAT BINARY)""", ct))
        {
            for (var index = 0; index < job.TaskCount; index++)
            {
                await tasks.StartRowAsync(ct);
                await tasks.WriteAsync(taskIds[index], NpgsqlDbType.Uuid, ct);
                await tasks.WriteAsync(job.Id, NpgsqlDbType.Uuid, ct);
                await tasks.WriteAsync(job.TenantId, NpgsqlDbType.Text, ct);
                await tasks.WriteAsync(index, NpgsqlDbType.Integer, ct);
                await tasks.WriteAsync(job.Type, NpgsqlDbType.Text, ct);
                await tasks.WriteAsync(JobTaskStatus.Pending, NpgsqlDbType.Text, ct);
                await tasks.WriteAsync(0, NpgsqlDbType.Integer, ct);
                await tasks.WriteAsync(job.MaxAttempts, NpgsqlDbType.Integer, ct);
                await tasks.WriteAsync(job.CreatedAt, NpgsqlDbType.TimestampTz, ct);
                await tasks.WriteAsync(job.CreatedAt, NpgsqlDbType.TimestampTz, ct);
            }
            await tasks.CompleteAsync(ct);
        }

        await using var outbox = await connection.BeginBinaryImportAsync(
            "COPY outbox_messages (task_id, job_id, tenant_id, priority, trace_parent, created_at) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var id in taskIds)
        {
            await outbox.StartRowAsync(ct);
            await outbox.WriteAsync(id, NpgsqlDbType.Uuid, ct);
            await outbox.WriteAsync(job.Id, NpgsqlDbType.Uuid, ct);
            await outbox.WriteAsync(job.TenantId, NpgsqlDbType.Text, ct);
            await outbox.WriteAsync(job.Priority, NpgsqlDbType.Smallint, ct);
            if (job.TraceParent is null)
            {
                await outbox.WriteNullAsync(ct);
            }
            else
            {
                await outbox.WriteAsync(job.TraceParent, NpgsqlDbType.Varchar, ct);
            }
            await outbox.WriteAsync(job.CreatedAt, NpgsqlDbType.TimestampTz, ct);
        }
        await outbox.CompleteAsync(ct);
    }

    /// <summary>
    /// Marks tasks whose messages SQS accepted as enqueued, and their jobs too. Tasks a worker has
    /// already claimed are left alone by the guard.
    /// </summary>
    public static async Task MarkEnqueuedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[] taskIds, Guid[] jobIds, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            -- Locked in id order, as claim and report batches lock tasks, so none of them deadlock.
            UPDATE tasks t SET status = @enqueued, updated_at = now()
            FROM (SELECT id FROM tasks WHERE id = ANY(@tasks) AND status = ANY(@from) ORDER BY id FOR UPDATE) l
            WHERE t.id = l.id AND t.status = ANY(@from);
            UPDATE jobs SET status = @jobEnqueued, updated_at = greatest(updated_at, now())
            WHERE id = ANY(@jobs) AND status = @jobPending;
            """, connection, transaction);
        command.Parameters.AddWithValue("enqueued", JobTaskStatus.Enqueued);
        command.Parameters.AddWithValue("tasks", taskIds);
        command.Parameters.AddWithValue("from", TaskTransitions.ToEnqueued);
        command.Parameters.AddWithValue("jobEnqueued", JobStatus.Enqueued);
        command.Parameters.AddWithValue("jobs", jobIds);
        command.Parameters.AddWithValue("jobPending", JobStatus.Pending);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// A worker asks to run a task. Granted when the task is waiting to run, or running under a
    /// lease that has expired (its worker is presumed lost: the task may run AT LEAST once more
    /// here, which the new attempt row records). The attempt id comes from the worker, so a claim
    /// retried after a lost response gets the same grant back instead of a refusal.
    /// </summary>
    public async Task<ClaimOutcome> ClaimAsync(Guid taskId, Guid attemptId, string workerId, TimeSpan lease, CancellationToken ct) =>
        (await ClaimAsync([new TaskClaim(taskId, attemptId)], workerId, lease, ct))[0];

    /// <summary>Claims a batch of tasks for one worker in one transaction; one outcome per claim, in order.</summary>
    public async Task<IReadOnlyList<ClaimOutcome>> ClaimAsync(IReadOnlyList<TaskClaim> claims, string workerId, TimeSpan lease, CancellationToken ct)
    {
        await using var connection = await protocol.OpenConnectionAsync(ct);
        var ids = claims.Select(c => c.TaskId).ToArray();

        // Lock in id order, as report batches do, so batches that share a task never deadlock. The
        // lock and the claim go in one round trip and one transaction: a batch runs as a single
        // implicit transaction (any error rolls all of it back), committed as it ends, with no
        // BEGIN or COMMIT of its own. The lock's count is not read.
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT count(*) FROM (SELECT 1 FROM tasks WHERE id = ANY(@ids) ORDER BY id FOR UPDATE) locked")
        {
            Parameters = { new("ids", ids) },
        });
        var command = new NpgsqlBatchCommand(
            """
            WITH request AS (
                SELECT DISTINCT ON (task_id) task_id, attempt_id FROM unnest(@ids, @attempts) AS r(task_id, attempt_id)
            ), previous AS (
                SELECT t.id, t.current_attempt_id FROM tasks t JOIN request r ON r.task_id = t.id
                WHERE t.status = @running AND t.lease_expires_at < now()
            ), claimed AS (
                UPDATE tasks t
                SET status = @running, attempts = t.attempts + 1, worker_id = @worker, current_attempt_id = r.attempt_id,
                    lease_expires_at = now() + @lease, started_at = coalesce(t.started_at, now()), updated_at = now()
                FROM request r
                WHERE t.id = r.task_id
                  AND t.current_attempt_id IS DISTINCT FROM r.attempt_id
                  AND t.attempts < t.max_attempts
                  AND (t.status = ANY(@from) OR (t.status = @running AND t.lease_expires_at < now()))
                RETURNING t.id, t.job_id, r.attempt_id, t.attempts, t.max_attempts, t.type, t.lease_expires_at, t.tenant_id
            ), attempt AS (
                INSERT INTO task_attempts (id, task_id, number, worker_id, started_at)
                SELECT attempt_id, id, attempts, @worker, now() FROM claimed
            ), lost AS (
                -- Taking over from an attempt whose lease ran out: that attempt is recorded as lost.
                UPDATE task_attempts SET ended_at = now(), outcome = @lost, error = @lostError
                WHERE id IN (SELECT p.current_attempt_id FROM previous p JOIN claimed c ON c.id = p.id) AND ended_at IS NULL
            ), job AS (
                UPDATE jobs SET status = @jobRunning, started_at = coalesce(started_at, now()), updated_at = greatest(updated_at, now())
                WHERE id IN (SELECT DISTINCT job_id FROM claimed) AND status = ANY(@jobFrom)
            )
            SELECT c.id, c.attempt_id, c.job_id, c.attempts, c.max_attempts, c.type, j.parameters::text, c.lease_expires_at, j.timeout_seconds, c.tenant_id
            FROM claimed c JOIN jobs j ON j.id = c.job_id
            """);
        batch.BatchCommands.Add(command);
        command.Parameters.AddWithValue("ids", ids);
        command.Parameters.AddWithValue("attempts", claims.Select(c => c.AttemptId).ToArray());
        command.Parameters.AddWithValue("worker", workerId);
        command.Parameters.AddWithValue("lease", lease);
        command.Parameters.AddWithValue("running", JobTaskStatus.Running);
        command.Parameters.AddWithValue("from", TaskTransitions.ToRunning);
        command.Parameters.AddWithValue("jobRunning", JobStatus.Running);
        command.Parameters.AddWithValue("jobFrom", new[] { JobStatus.Pending, JobStatus.Enqueued });
        command.Parameters.AddWithValue("lost", AttemptOutcome.Lost);
        command.Parameters.AddWithValue("lostError", LostAttemptError);

        var granted = new Dictionary<(Guid, Guid), ClaimOutcome.Granted>();
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                granted[(reader.GetGuid(0), reader.GetGuid(1))] = ReadGrant(reader);
            }
        }

        // The claims not granted: refused with their task's status, unless the same attempt is
        // asking again (its response was lost), which gets back the grant it already has. A read
        // after the claim's commit: a refused task's status is news, not a decision.
        var refused = claims.Where(c => !granted.ContainsKey((c.TaskId, c.AttemptId))).Select(c => c.TaskId).Distinct().ToArray();
        var statuses = new Dictionary<Guid, string>();
        if (refused.Length > 0)
        {
            await using var lookup = new NpgsqlCommand(
                """
                SELECT t.id, t.current_attempt_id, t.job_id, t.attempts, t.max_attempts, t.type, j.parameters::text, t.lease_expires_at, j.timeout_seconds, t.tenant_id, t.status
                FROM tasks t JOIN jobs j ON j.id = t.job_id
                WHERE t.id = ANY(@ids)
                """, connection);
            lookup.Parameters.AddWithValue("ids", refused);
            await using var reader = await lookup.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var status = reader.GetString(10);
                statuses[reader.GetGuid(0)] = status;
                if (status == JobTaskStatus.Running && !reader.IsDBNull(1))
                {
                    granted[(reader.GetGuid(0), reader.GetGuid(1))] = ReadGrant(reader);
                }
            }
        }

        return claims.Select(c => granted.TryGetValue((c.TaskId, c.AttemptId), out var grant)
            ? grant
            : statuses.TryGetValue(c.TaskId, out var status) ? new ClaimOutcome.Refused(status) : (ClaimOutcome)new ClaimOutcome.NotFound()).ToList();
    }

    // A grant's columns: task, attempt, job, attempt number, max attempts, type, parameters, lease, timeout, tenant.
    private static ClaimOutcome.Granted ReadGrant(NpgsqlDataReader reader) => new(
        TaskId: reader.GetGuid(0),
        JobId: reader.GetGuid(2),
        Attempt: reader.GetInt32(3),
        MaxAttempts: reader.GetInt32(4),
        Type: reader.GetString(5),
        Parameters: JsonNode.Parse(reader.GetString(6))!.AsObject(),
        LeaseExpiresAt: reader.GetFieldValue<DateTimeOffset>(7),
        Timeout: reader.IsDBNull(8) ? null : TimeSpan.FromSeconds(reader.GetInt32(8)),
        TenantId: reader.GetString(9));

    /// <summary>
    /// The attempt that holds the task is still running: extend its lease. Returns the new expiry, or
    /// the task's status when this attempt no longer holds it (finished, cancelled, or taken over
    /// after its lease expired), which tells the worker to stop.
    /// </summary>
    public async Task<HeartbeatOutcome> HeartbeatAsync(Guid taskId, Guid attemptId, TimeSpan lease, CancellationToken ct)
    {
        await using var connection = await protocol.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            UPDATE tasks SET lease_expires_at = now() + @lease, updated_at = now()
            WHERE id = @id AND status = ANY(@from) AND current_attempt_id = @attempt
            RETURNING lease_expires_at
            """, connection);
        command.Parameters.AddWithValue("id", taskId);
        command.Parameters.AddWithValue("attempt", attemptId);
        command.Parameters.AddWithValue("lease", lease);
        command.Parameters.AddWithValue("from", TaskTransitions.ToReported);
        if (await command.ExecuteScalarAsync(ct) is DateTime expires)
        {
            return new HeartbeatOutcome.Extended(new DateTimeOffset(expires, TimeSpan.Zero));
        }
        var status = await GetTaskStatusAsync(connection, taskId, ct);
        return status is null ? new HeartbeatOutcome.NotFound() : new HeartbeatOutcome.Lost(status);
    }

    /// <summary>The attempt that holds the task reports success. Stale attempts change nothing.</summary>
    public async Task<ReportOutcome> CompleteAsync(Guid taskId, Guid attemptId, JsonNode? result, CancellationToken ct) =>
        (await ReportAsync([AttemptReport.Succeeded(taskId, attemptId, result)], static _ => TimeSpan.Zero, ct))[0];

    /// <summary>
    /// A stopping worker gives the task back unfinished: it is queued again at once (the worker makes
    /// its message visible) and the attempt does not count against the task's allowance.
    /// </summary>
    public async Task<ReportOutcome> ReleaseAsync(Guid taskId, Guid attemptId, string reason, CancellationToken ct) =>
        (await ReportAsync([AttemptReport.Released(taskId, attemptId, reason)], static _ => TimeSpan.Zero, ct))[0];

    /// <summary>
    /// The attempt that holds the task reports failure. With attempts left and a retryable error the
    /// task waits to be retried (the worker hides the message for <paramref name="retryAfter"/>);
    /// otherwise it fails for good and counts against its job.
    /// </summary>
    public async Task<ReportOutcome> FailAsync(Guid taskId, Guid attemptId, string error, string? errorDetail, bool retryable, Func<int, TimeSpan> retryAfter, CancellationToken ct) =>
        (await ReportAsync([AttemptReport.Failed(taskId, attemptId, error, errorDetail, retryable)], retryAfter, ct))[0];

    /// <summary>
    /// Applies a batch of attempt reports in one transaction and returns one outcome per report, in
    /// order. Each report is judged on its own: the attempt that holds its task moves it (succeeded,
    /// retrying, failed, or released back to enqueued); a stale report changes nothing but its own
    /// attempt's end. Each job's counters move once per batch, not once per task, so a job of many
    /// fast tasks does not queue every report behind one row lock.
    /// </summary>
    /// <param name="retryAfter">The wait before the next attempt, given the number of the attempt that failed.</param>
    public async Task<IReadOnlyList<ReportOutcome>> ReportAsync(IReadOnlyList<AttemptReport> reports, Func<int, TimeSpan> retryAfter, CancellationToken ct)
    {
        await using var connection = await protocol.OpenConnectionAsync(ct);

        // Two round trips: the transaction begins with the read of the locked tasks and, unless a job
        // may fail, commits with the writes. Whatever fails in between is rolled back when the
        // connection goes back to the pool.
        // Lock the tasks in id order, the order every batch takes them in, so two batches never deadlock.
        var tasks = new Dictionary<Guid, (string Status, int Attempts, int MaxAttempts, Guid? CurrentAttempt, Guid JobId)>();
        await using (var current = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new("BEGIN"),
                new("SELECT id, status, attempts, max_attempts, current_attempt_id, job_id FROM tasks WHERE id = ANY(@ids) ORDER BY id FOR UPDATE")
                {
                    Parameters = { new("ids", reports.Select(r => r.TaskId).Distinct().ToArray()) },
                },
            },
        })
        {
            await using var reader = await current.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                tasks[reader.GetGuid(0)] = (reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3),
                    reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.GetGuid(5));
            }
        }

        var outcomes = new ReportOutcome[reports.Count];
        var moves = new List<(AttemptReport Report, string Status)>();
        var closes = new List<(AttemptReport Report, bool Applied)>();
        var counted = new Dictionary<Guid, (int Finished, int Failed)>();
        for (var i = 0; i < reports.Count; i++)
        {
            var report = reports[i];
            if (!tasks.TryGetValue(report.TaskId, out var task))
            {
                outcomes[i] = new ReportOutcome.NotFound();
                continue;
            }
            if (!TaskTransitions.ToReported.Contains(task.Status) || task.CurrentAttempt != report.AttemptId)
            {
                // A late or duplicate report: the task moved on without this attempt (cancelled, or
                // taken over after its lease ran out). The task is left alone; the attempt's own
                // record still gets its end, so every execution shows how it finished.
                outcomes[i] = new ReportOutcome.Stale(task.Status);
                closes.Add((report, false));
                continue;
            }

            var status = report.Outcome switch
            {
                AttemptOutcome.Succeeded => JobTaskStatus.Succeeded,
                AttemptOutcome.Released => JobTaskStatus.Enqueued,
                _ when report.Retryable && task.Attempts < task.MaxAttempts => JobTaskStatus.Retrying,
                _ => JobTaskStatus.Failed,
            };
            var delay = status switch
            {
                JobTaskStatus.Retrying => retryAfter(task.Attempts),
                JobTaskStatus.Enqueued => TimeSpan.Zero,
                _ => (TimeSpan?)null,
            };
            outcomes[i] = new ReportOutcome.Applied(status, delay);
            moves.Add((report, status));
            closes.Add((report, true));
            // A second report for the same attempt in this batch finds the task moved on.
            tasks[report.TaskId] = task with { Status = status, CurrentAttempt = report.Outcome == AttemptOutcome.Released ? task.CurrentAttempt : null };
            if (JobTaskStatus.Final.Contains(status))
            {
                var (finished, failed) = counted.GetValueOrDefault(task.JobId);
                counted[task.JobId] = (finished + 1, failed + (status == JobTaskStatus.Succeeded ? 0 : 1));
            }
        }

        // The tasks, their attempts and their jobs' counters (jobs after tasks, in id order: the
        // same lock order as every other batch) move in one round trip, with the commit. A failure
        // may fail its job, whose unfinished tasks are then cancelled in the same transaction, so
        // that batch commits after them.
        var mayFailJob = moves.Any(m => m.Status == JobTaskStatus.Failed);
        await using (var batch = new NpgsqlBatch(connection))
        {
            if (moves.Count > 0)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(
                    """
                    UPDATE tasks t
                    SET status = u.status, result = u.result::jsonb,
                        error = CASE WHEN u.released THEN t.error ELSE u.error END,
                        lease_expires_at = NULL, updated_at = now(),
                        max_attempts = t.max_attempts + CASE WHEN u.released THEN 1 ELSE 0 END,
                        finished_at = CASE WHEN u.status = ANY(@final) THEN now() ELSE NULL END
                    FROM unnest(@ids, @attempts, @statuses, @results, @errors, @released) AS u(id, attempt_id, status, result, error, released)
                    WHERE t.id = u.id AND t.status = ANY(@from) AND t.current_attempt_id = u.attempt_id
                    """)
                {
                    Parameters =
                    {
                        new("ids", moves.Select(m => m.Report.TaskId).ToArray()),
                        new("attempts", moves.Select(m => m.Report.AttemptId).ToArray()),
                        new("statuses", moves.Select(m => m.Status).ToArray()),
                        new("results", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = moves.Select(m => m.Report.Result?.ToJsonString()).ToArray() },
                        new("errors", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = moves.Select(m => m.Report.Error).ToArray() },
                        new("released", moves.Select(m => m.Report.Outcome == AttemptOutcome.Released).ToArray()),
                        new("final", JobTaskStatus.Final.ToArray()),
                        new("from", TaskTransitions.ToReported),
                    },
                });
            }
            if (closes.Count > 0)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(
                    """
                    UPDATE task_attempts a SET ended_at = now(), outcome = u.outcome, error = u.error, error_detail = u.detail
                    FROM unnest(@attempts, @tasks, @outcomes, @errors, @details, @applied) AS u(id, task_id, outcome, error, detail, applied)
                    WHERE a.id = u.id AND a.task_id = u.task_id AND (u.applied OR a.ended_at IS NULL)
                    """)
                {
                    Parameters =
                    {
                        new("attempts", closes.Select(c => c.Report.AttemptId).ToArray()),
                        new("tasks", closes.Select(c => c.Report.TaskId).ToArray()),
                        new("outcomes", closes.Select(c => c.Report.Outcome).ToArray()),
                        new("errors", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = closes.Select(c => c.Report.Error).ToArray() },
                        new("details", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = closes.Select(c => c.Report.ErrorDetail).ToArray() },
                        new("applied", closes.Select(c => c.Applied).ToArray()),
                    },
                });
            }
            if (counted.Count > 0)
            {
                batch.BatchCommands.Add(CountFinishedTasks(counted.Select(c => (c.Key, c.Value.Finished, c.Value.Failed)).ToList()));
            }
            if (!mayFailJob)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            }
            // Without a failure, a job found stopped already (a task that was running when it failed
            // reports late) has its leftovers cancelled after the commit, each in a guarded statement.
            await RunCountingBatchAsync(connection, transaction: null, batch, ct);
        }
        if (mayFailJob)
        {
            await using var commit = new NpgsqlCommand("COMMIT", connection);
            await commit.ExecuteNonQueryAsync(ct);
        }
        return outcomes;
    }

    // One atomic increment per job and batch of finished tasks; the increment that reaches task_count finishes the job,
    // so concurrent reports can never both miss (or both make) the last step. The failure that
    // exceeds the job's threshold fails it at once, and its unfinished tasks are cancelled. The
    // counters move even when the job has already ended (a task that was running when the job
    // failed), so a retry can rely on them.
    //
    // A job's updated_at never goes back (greatest(updated_at, now()) in every UPDATE jobs): now() is
    // the transaction's start, and a report batch that started first may commit last, finishing the
    // job with an older time than the batch before it. The console keeps the newest job it has seen
    // by updatedAt, so such a completion was ignored and the page stayed "running".
    //
    // Every job of the batch moves in one statement, its rows locked in id order (after the tasks),
    // the order every batch takes them in. Returns, for each job, whether it has just failed with
    // tasks left to cancel (see RunCountingBatchAsync).
    private static NpgsqlBatchCommand CountFinishedTasks(IReadOnlyList<(Guid JobId, int Finished, int Failed)> counts) => new(
        """
        UPDATE jobs j
        SET finished_tasks = j.finished_tasks + c.finished,
            failed_tasks = j.failed_tasks + c.failed,
            updated_at = greatest(j.updated_at, now()),
            status = CASE WHEN j.status = ANY(@final) THEN j.status
                          WHEN j.failed_tasks + c.failed > j.failure_threshold THEN @jobFailed
                          WHEN j.finished_tasks + c.finished < j.task_count THEN j.status
                          ELSE @jobCompleted END,
            finished_at = CASE WHEN j.status = ANY(@final) THEN j.finished_at
                               WHEN j.failed_tasks + c.failed > j.failure_threshold OR j.finished_tasks + c.finished >= j.task_count THEN now()
                               ELSE j.finished_at END
        FROM unnest(@jobs, @finished, @failed) AS c(id, finished, failed)
        JOIN (SELECT id FROM jobs WHERE id = ANY(@jobs) ORDER BY id FOR UPDATE) l ON l.id = c.id
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
            new("final", JobStatus.Final.ToArray()),
        },
    };

    private static async Task CountFinishedTasksAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<(Guid JobId, int Finished, int Failed)> counts, CancellationToken ct)
    {
        if (counts.Count == 0)
        {
            return;
        }
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { CountFinishedTasks(counts) } };
        await RunCountingBatchAsync(connection, transaction, batch, ct);
    }

    // Runs a batch whose only statement returning rows is CountFinishedTasks, then cancels the
    // unfinished tasks of every job that statement failed.
    private static async Task RunCountingBatchAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, NpgsqlBatch batch, CancellationToken ct)
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

    // Tasks other transactions hold are skipped rather than waited for (they hold their task and
    // wait for this job row: waiting would deadlock); their own reports finish them, and the
    // TaskReconciler cancels any that are left.
    private static async Task<int> CancelLeftoversAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid? jobId, CancellationToken ct)
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
                RETURNING t.job_id
            ), counted AS (
                UPDATE jobs j SET finished_tasks = j.finished_tasks + c.n, updated_at = greatest(j.updated_at, now())
                FROM (SELECT job_id, count(*) AS n FROM cancelled GROUP BY job_id) c WHERE j.id = c.job_id
            )
            SELECT count(*)::int FROM cancelled
            """, connection, transaction);
        if (jobId is not null)
        {
            command.Parameters.AddWithValue("job", jobId.Value);
        }
        command.Parameters.AddWithValue("stopped", new[] { JobStatus.Failed, JobStatus.Cancelled });
        command.Parameters.AddWithValue("from", TaskTransitions.ToCancelled);
        command.Parameters.AddWithValue("cancelled", JobTaskStatus.Cancelled);
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Cancels every task of the job that has not finished and marks the job cancelled. Running
    /// tasks stop when their next heartbeat is refused; queued messages are dropped when their claim
    /// is. Idempotent: cancelling a cancelled job changes nothing.
    /// </summary>
    public async Task<JobCommandOutcome> CancelJobAsync(Guid jobId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        // Tasks before the job row: reports lock in that order too, so the two never deadlock.
        await using var command = new NpgsqlCommand(
            """
            WITH locked AS (
                -- In id order, the order report batches lock tasks in, so the two never deadlock.
                SELECT id FROM tasks WHERE job_id = @job AND status = ANY(@from)
                ORDER BY id FOR UPDATE
            ), cancelled AS (
                UPDATE tasks t SET status = @cancelled, lease_expires_at = NULL, finished_at = now(), updated_at = now()
                FROM locked l WHERE t.id = l.id AND t.status = ANY(@from)
                RETURNING t.id
            ), unsent AS (
                -- Rows the relay is sending right now are skipped, not waited for: the relay in turn
                -- waits for these task rows, and its messages are dropped at their refused claim.
                DELETE FROM outbox_messages WHERE id IN (
                    SELECT id FROM outbox_messages WHERE job_id = @job FOR UPDATE SKIP LOCKED)
            )
            SELECT count(*)::int FROM cancelled
            """, connection, transaction);
        command.Parameters.AddWithValue("job", jobId);
        command.Parameters.AddWithValue("cancelled", JobTaskStatus.Cancelled);
        command.Parameters.AddWithValue("from", TaskTransitions.ToCancelled);
        var count = (int)(await command.ExecuteScalarAsync(ct))!;

        await using var job = new NpgsqlCommand(
            """
            UPDATE jobs SET status = @cancelled, finished_tasks = finished_tasks + @count,
                            finished_at = coalesce(finished_at, now()), updated_at = greatest(updated_at, now())
            WHERE id = @job AND NOT (status = ANY(@final))
            RETURNING status
            """, connection, transaction);
        job.Parameters.AddWithValue("job", jobId);
        job.Parameters.AddWithValue("cancelled", JobStatus.Cancelled);
        job.Parameters.AddWithValue("count", count);
        job.Parameters.AddWithValue("final", JobStatus.Final.ToArray());
        if (await job.ExecuteScalarAsync(ct) is null)
        {
            var status = await GetJobStatusAsync(connection, transaction, jobId, ct);
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
    public Task<JobCommandOutcome> RetryJobAsync(Guid jobId, CancellationToken ct) =>
        RetryAsync(jobId, taskId: null, ct);

    /// <summary>Runs one failed, dead-lettered or cancelled task again, as <see cref="RetryJobAsync"/> does.</summary>
    public Task<JobCommandOutcome> RetryTaskAsync(Guid jobId, Guid taskId, CancellationToken ct) =>
        RetryAsync(jobId, taskId, ct);

    private async Task<JobCommandOutcome> RetryAsync(Guid jobId, Guid? taskId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        // Tasks first, in id order, then the job: the order reports, claims and the relay lock them
        // in, so a retry racing a late report cannot deadlock with it.
        await using (var lockTasks = new NpgsqlCommand(
            "SELECT id FROM tasks WHERE job_id = @job AND status = ANY(@from) AND (@task::uuid IS NULL OR id = @task) ORDER BY id FOR UPDATE",
            connection, transaction))
        {
            lockTasks.Parameters.AddWithValue("job", jobId);
            lockTasks.Parameters.AddWithValue("task", NpgsqlDbType.Uuid, (object?)taskId ?? DBNull.Value);
            lockTasks.Parameters.AddWithValue("from", TaskTransitions.ToRetried);
            await lockTasks.ExecuteNonQueryAsync(ct);
        }
        var jobStatus = await GetJobStatusAsync(connection, transaction, jobId, ct);
        if (jobStatus is null)
        {
            return new JobCommandOutcome.NotFound();
        }
        if (taskId is null && !JobStatus.Final.Contains(jobStatus))
        {
            return new JobCommandOutcome.Refused(jobStatus);
        }

        await using var command = new NpgsqlCommand(
            """
            WITH chosen AS (
                SELECT id, status FROM tasks
                WHERE job_id = @job AND status = ANY(@from) AND (@task::uuid IS NULL OR id = @task)
                FOR UPDATE
            ), retried AS (
                UPDATE tasks t
                SET status = @pending, max_attempts = t.attempts + j.max_attempts, current_attempt_id = NULL,
                    lease_expires_at = NULL, error = NULL, result = NULL, finished_at = NULL, updated_at = now()
                FROM chosen c, jobs j
                WHERE t.id = c.id AND j.id = t.job_id
                RETURNING t.id, c.status AS previous
            ), queued AS (
                INSERT INTO outbox_messages (task_id, job_id, tenant_id, priority, trace_parent, created_at)
                SELECT r.id, j.id, j.tenant_id, j.priority, j.trace_parent, now() FROM retried r JOIN jobs j ON j.id = @job
            )
            SELECT count(*)::int, count(*) FILTER (WHERE previous = ANY(@failed))::int FROM retried
            """, connection, transaction);
        command.Parameters.AddWithValue("job", jobId);
        command.Parameters.AddWithValue("task", NpgsqlDbType.Uuid, (object?)taskId ?? DBNull.Value);
        command.Parameters.AddWithValue("from", TaskTransitions.ToRetried);
        command.Parameters.AddWithValue("pending", JobTaskStatus.Pending);
        command.Parameters.AddWithValue("failed", new[] { JobTaskStatus.Failed, JobTaskStatus.DeadLettered });
        int count, failed;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            (count, failed) = (reader.GetInt32(0), reader.GetInt32(1));
        }
        if (count == 0)
        {
            var taskStatus = taskId is null ? null : await GetTaskStatusAsync(connection, taskId.Value, ct);
            await transaction.RollbackAsync(ct);
            return taskId is not null && taskStatus is null
                ? new JobCommandOutcome.NotFound()
                : new JobCommandOutcome.Refused(taskStatus ?? jobStatus);
        }

        await using var job = new NpgsqlCommand(
            $"""
            UPDATE jobs SET status = @running, finished_tasks = finished_tasks - @count, failed_tasks = failed_tasks - @failed,
                            finished_at = NULL, updated_at = greatest(updated_at, now())
            WHERE id = @job;
            NOTIFY {OutboxChannel};
            """, connection, transaction);
        job.Parameters.AddWithValue("job", jobId);
        job.Parameters.AddWithValue("running", JobStatus.Running);
        job.Parameters.AddWithValue("count", count);
        job.Parameters.AddWithValue("failed", failed);
        await job.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return new JobCommandOutcome.Done(count);
    }

    /// <summary>
    /// Records a message from the dead-letter queue, and when it names a task that has not finished,
    /// moves that task to dead_lettered (counted as failed for its job). Idempotent per message id.
    /// </summary>
    public async Task<bool> RecordDeadLetterAsync(string messageId, string body, Guid? taskId, int receiveCount, string reason, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var record = new NpgsqlCommand(
            """
            INSERT INTO dead_letters (message_id, body, task_id, receive_count, reason, recorded_at)
            VALUES (@message, @body, @task, @count, @reason, now())
            ON CONFLICT (message_id) DO NOTHING
            """, connection, transaction);
        record.Parameters.AddWithValue("message", messageId);
        record.Parameters.AddWithValue("body", body);
        record.Parameters.AddWithValue("task", NpgsqlDbType.Uuid, (object?)taskId ?? DBNull.Value);
        record.Parameters.AddWithValue("count", receiveCount);
        record.Parameters.AddWithValue("reason", reason);
        await record.ExecuteNonQueryAsync(ct);

        var moved = false;
        if (taskId is { } id)
        {
            await using var dead = new NpgsqlCommand(
                """
                WITH task AS (
                    UPDATE tasks SET status = @deadLettered, error = @reason, lease_expires_at = NULL,
                                     finished_at = now(), updated_at = now()
                    WHERE id = @id AND status = ANY(@from)
                    RETURNING job_id, current_attempt_id
                ), attempt AS (
                    UPDATE task_attempts a SET ended_at = now(), outcome = @lost, error = @reason
                    FROM task WHERE a.id = task.current_attempt_id AND a.ended_at IS NULL
                )
                SELECT job_id FROM task
                """, connection, transaction);
            dead.Parameters.AddWithValue("id", id);
            dead.Parameters.AddWithValue("deadLettered", JobTaskStatus.DeadLettered);
            dead.Parameters.AddWithValue("reason", reason);
            dead.Parameters.AddWithValue("from", TaskTransitions.ToDeadLettered);
            dead.Parameters.AddWithValue("lost", AttemptOutcome.Lost);
            if (await dead.ExecuteScalarAsync(ct) is Guid jobId)
            {
                await CountFinishedTasksAsync(connection, transaction, [(jobId, 1, 1)], ct);
                moved = true;
            }
        }
        await transaction.CommitAsync(ct);
        return moved;
    }

    // Any fixed number, distinct from the migration lock's: only one Api replica reconciles at a time.
    private const long ReconcilerLockKey = 0x4a6f625265636f6e; // "JobRecon"

    /// <summary>
    /// One pass of the TaskReconciler, in one transaction. Running tasks whose lease ran out more than
    /// <paramref name="leaseGrace"/> ago lose their attempt (recorded as lost) and are queued again
    /// through the outbox, or dead-letter them when that was their last attempt. With
    /// <paramref name="lostMessageAfter"/> (given only while the queue is empty), tasks queued longer
    /// than that get a new message. Jobs whose tasks all finished are finished. Returns null when
    /// another replica holds the reconciler's lock.
    /// </summary>
    public async Task<Services.ReconcileResult?> ReconcileAsync(TimeSpan leaseGrace, TimeSpan? lostMessageAfter, int batchSize, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(@key)", connection, transaction))
        {
            take.Parameters.AddWithValue("key", ReconcilerLockKey);
            if (await take.ExecuteScalarAsync(ct) is not true)
            {
                return null;
            }
        }

        // The lost attempt may still be running somewhere (a paused worker): it may run AT LEAST once
        // more here, and its late report is refused because it no longer holds the task.
        await using var expire = new NpgsqlCommand(
            """
            WITH expired AS (
                SELECT id, job_id, attempts, max_attempts, current_attempt_id FROM tasks
                WHERE status = @running AND lease_expires_at < now() - @grace
                ORDER BY lease_expires_at LIMIT @batch
                FOR UPDATE SKIP LOCKED
            ), closed AS (
                UPDATE task_attempts a SET ended_at = now(), outcome = @lost, error = @lostError
                FROM expired e WHERE a.id = e.current_attempt_id AND a.ended_at IS NULL
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
                INSERT INTO outbox_messages (task_id, job_id, tenant_id, priority, trace_parent, created_at)
                SELECT m.id, m.job_id, j.tenant_id, j.priority, j.trace_parent, now() FROM moved m JOIN jobs j ON j.id = m.job_id WHERE m.status = @pending
            )
            SELECT job_id, status FROM moved
            """, connection, transaction);
        expire.Parameters.AddWithValue("running", JobTaskStatus.Running);
        expire.Parameters.AddWithValue("pending", JobTaskStatus.Pending);
        expire.Parameters.AddWithValue("deadLettered", JobTaskStatus.DeadLettered);
        expire.Parameters.AddWithValue("grace", leaseGrace);
        expire.Parameters.AddWithValue("batch", batchSize);
        expire.Parameters.AddWithValue("lost", AttemptOutcome.Lost);
        expire.Parameters.AddWithValue("lostError", LostAttemptError);
        expire.Parameters.AddWithValue("lostLastError", LostLastAttemptError);
        var moved = new List<(Guid JobId, string Status)>();
        await using (var reader = await expire.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                moved.Add((reader.GetGuid(0), reader.GetString(1)));
            }
        }
        // Job rows in id order, as report batches take them.
        await CountFinishedTasksAsync(connection, transaction,
            moved.Where(m => m.Status == JobTaskStatus.DeadLettered).GroupBy(m => m.JobId).Select(g => (g.Key, g.Count(), g.Count())).ToList(), ct);

        var resent = 0;
        if (lostMessageAfter is { } after)
        {
            await using var resend = new NpgsqlCommand(
                """
                WITH stale AS (
                    SELECT id, job_id FROM tasks
                    WHERE status = ANY(@waiting) AND updated_at < now() - @after
                    ORDER BY updated_at LIMIT @batch
                    FOR UPDATE SKIP LOCKED
                ), moved AS (
                    UPDATE tasks t SET status = @pending, updated_at = now() FROM stale s WHERE t.id = s.id
                    RETURNING t.id, t.job_id
                ), queued AS (
                    INSERT INTO outbox_messages (task_id, job_id, tenant_id, priority, trace_parent, created_at)
                    SELECT m.id, m.job_id, j.tenant_id, j.priority, j.trace_parent, now() FROM moved m JOIN jobs j ON j.id = m.job_id
                )
                SELECT count(*)::int FROM moved
                """, connection, transaction);
            resend.Parameters.AddWithValue("waiting", TaskTransitions.ToResent);
            resend.Parameters.AddWithValue("pending", JobTaskStatus.Pending);
            resend.Parameters.AddWithValue("after", after);
            resend.Parameters.AddWithValue("batch", batchSize);
            resent = (int)(await resend.ExecuteScalarAsync(ct))!;
        }

        var leftovers = await CancelLeftoversAsync(connection, transaction, jobId: null, ct);

        // A safety net: the counter that finishes a job is kept by every transition, so this should
        // find nothing; if a bug ever skips it, the job still ends.
        await using var finish = new NpgsqlCommand(
            """
            UPDATE jobs SET status = CASE WHEN failed_tasks > 0 THEN @jobFailed ELSE @jobCompleted END,
                            finished_at = now(), updated_at = greatest(updated_at, now())
            WHERE NOT (status = ANY(@final)) AND finished_tasks >= task_count
            """, connection, transaction);
        finish.Parameters.AddWithValue("jobFailed", JobStatus.Failed);
        finish.Parameters.AddWithValue("jobCompleted", JobStatus.Completed);
        finish.Parameters.AddWithValue("final", JobStatus.Final.ToArray());
        var finished = await finish.ExecuteNonQueryAsync(ct);

        var requeued = moved.Count(m => m.Status == JobTaskStatus.Pending);
        if (requeued + resent > 0)
        {
            await using var notify = new NpgsqlCommand($"NOTIFY {OutboxChannel}", connection, transaction);
            await notify.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return new Services.ReconcileResult(requeued, moved.Count - requeued, resent, leftovers, finished);
    }

    private static async Task<string?> GetJobStatusAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid jobId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT status FROM jobs WHERE id = @id FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("id", jobId);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private static async Task<string?> GetTaskStatusAsync(NpgsqlConnection connection, Guid taskId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT status FROM tasks WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", taskId);
        return await command.ExecuteScalarAsync(ct) as string;
    }
}

/// <summary>An Idempotency-Key with the request's fingerprint and the response to replay.</summary>
public sealed record IdempotentRequest(string Key, string RequestHash, int ResponseStatus, string ResponseBody);

public abstract record SubmitOutcome
{
    public sealed record Created : SubmitOutcome;
    public sealed record Replayed(int Status, string Body) : SubmitOutcome;
    public sealed record KeyReused : SubmitOutcome;
    public sealed record InFlight : SubmitOutcome;
}

public abstract record ClaimOutcome
{
    public sealed record Granted(Guid TaskId, Guid JobId, int Attempt, int MaxAttempts, string Type, JsonObject Parameters, DateTimeOffset LeaseExpiresAt, TimeSpan? Timeout, string TenantId) : ClaimOutcome;
    public sealed record Refused(string Status) : ClaimOutcome;
    public sealed record NotFound : ClaimOutcome;
}

public abstract record JobCommandOutcome
{
    /// <param name="Tasks">How many tasks the command moved.</param>
    public sealed record Done(int Tasks) : JobCommandOutcome;
    public sealed record Refused(string Status) : JobCommandOutcome;
    public sealed record NotFound : JobCommandOutcome;
}

public abstract record HeartbeatOutcome
{
    public sealed record Extended(DateTimeOffset LeaseExpiresAt) : HeartbeatOutcome;
    public sealed record Lost(string Status) : HeartbeatOutcome;
    public sealed record NotFound : HeartbeatOutcome;
}

public abstract record ReportOutcome
{
    public sealed record Applied(string Status, TimeSpan? RetryAfter) : ReportOutcome;
    public sealed record Stale(string Status) : ReportOutcome;
    public sealed record NotFound : ReportOutcome;
}

/// <summary>A worker's request to run a task as the attempt it names.</summary>
public sealed record TaskClaim(Guid TaskId, Guid AttemptId);

/// <summary>One attempt's report: how it ended, with its result or error.</summary>
/// <param name="Outcome">An <see cref="AttemptOutcome"/>: succeeded, failed or released.</param>
public sealed record AttemptReport(Guid TaskId, Guid AttemptId, string Outcome, JsonNode? Result, string? Error, string? ErrorDetail, bool Retryable)
{
    public static AttemptReport Succeeded(Guid taskId, Guid attemptId, JsonNode? result) =>
        new(taskId, attemptId, AttemptOutcome.Succeeded, result, null, null, Retryable: false);

    public static AttemptReport Failed(Guid taskId, Guid attemptId, string error, string? detail, bool retryable) =>
        new(taskId, attemptId, AttemptOutcome.Failed, null, error, detail, retryable);

    public static AttemptReport Released(Guid taskId, Guid attemptId, string reason) =>
        new(taskId, attemptId, AttemptOutcome.Released, null, reason, null, Retryable: true);
}
