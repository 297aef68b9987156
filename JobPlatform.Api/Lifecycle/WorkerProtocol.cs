using System.Text.Json.Nodes;
using JobPlatform.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// The worker protocol: claim, heartbeat and report (success, failure, release), each a guarded
/// transition from the <see cref="TaskTransitions"/> table, batched per worker call. Runs only on
/// the <see cref="ProtocolDatabase"/>.
/// </summary>
public sealed class WorkerProtocol(ProtocolDatabase database, TimeProvider clock)
{
    /// <summary>
    /// A worker asks to run the tasks it received, in one transaction; one outcome per claim, in
    /// order. A claim is granted when its task is waiting to run, or running under a lease that has
    /// expired (its worker is presumed lost: the task may run AT LEAST once more here, which the new
    /// attempt row records). The attempt id comes from the worker, so a claim retried after a lost
    /// response gets the same grant back instead of a refusal.
    /// </summary>
    public async Task<IReadOnlyList<ClaimOutcome>> ClaimAsync(IReadOnlyList<TaskClaim> claims, string workerId, TimeSpan lease, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var ids = claims.Select(c => c.TaskId).ToArray();

        // Lock in id order, as report batches do, so batches that share a task never deadlock. The
        // lock and the claim go in one round trip and one transaction: a batch runs as a single
        // implicit transaction (any error rolls all of it back), committed as it ends, with no
        // BEGIN or COMMIT of its own. The lock's count is not read.
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"SELECT count(*) FROM ({LockOrder.Tasks("id = ANY(@ids)")}) locked")
        {
            Parameters = { new("ids", ids) },
        });
        var command = new NpgsqlBatchCommand(
            $"""
            WITH request AS (
                SELECT DISTINCT ON (task_id) task_id, attempt_id, message_id FROM unnest(@ids, @attempts, @messages) AS r(task_id, attempt_id, message_id)
            ), previous AS (
                SELECT t.id, t.current_attempt_id FROM tasks t JOIN request r ON r.task_id = t.id
                WHERE t.status = @running AND t.lease_expires_at < now()
            ), claimed AS (
                UPDATE tasks t
                SET status = @running, attempts = t.attempts + 1, worker_id = @worker, current_attempt_id = r.attempt_id,
                    lease_expires_at = now() + @lease, started_at = coalesce(t.started_at, now()), updated_at = now(),
                    progress_fraction = NULL, progress_message = NULL
                FROM request r
                WHERE t.id = r.task_id
                  AND t.current_attempt_id IS DISTINCT FROM r.attempt_id
                  AND t.attempts < t.max_attempts
                  AND (t.status = ANY(@from) OR (t.status = @running AND t.lease_expires_at < now()))
                  -- A stopped job's task waits for the reconciler to cancel it (a retryable report
                  -- that was in flight as the job failed), never to run again.
                  AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = t.job_id AND j.status = ANY(@jobStopped))
                RETURNING t.id, t.job_id, r.attempt_id, r.message_id, t.attempts, t.max_attempts, t.type, t.lease_expires_at, t.tenant_id, t."index", t.input
            ), attempt AS (
                INSERT INTO task_attempts (id, task_id, number, worker_id, started_at, message_id)
                SELECT attempt_id, id, attempts, @worker, now(), message_id FROM claimed
            ), lost AS (
                -- Taking over from an attempt whose lease ran out: that attempt is recorded as lost.
                {LostAttempts.Close("SELECT p.current_attempt_id FROM previous p JOIN claimed c ON c.id = p.id", "@lostError")}
            ), job AS (
                UPDATE jobs SET status = @jobRunning, started_at = coalesce(started_at, now()), updated_at = greatest(updated_at, now())
                WHERE id IN (SELECT DISTINCT job_id FROM claimed) AND status = ANY(@jobFrom)
            )
            SELECT c.id, c.attempt_id, c.job_id, c.attempts, c.max_attempts, c.type, {Input("c")}, c.lease_expires_at, j.timeout_seconds, c.tenant_id, c."index"
            FROM claimed c JOIN jobs j ON j.id = c.job_id
            """);
        batch.BatchCommands.Add(command);
        command.Parameters.AddWithValue("ids", ids);
        command.Parameters.AddWithValue("attempts", claims.Select(c => c.AttemptId).ToArray());
        command.Parameters.Add(new NpgsqlParameter<string?[]>("messages", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = claims.Select(c => c.MessageId).ToArray() });
        command.Parameters.AddWithValue("worker", workerId);
        command.Parameters.AddWithValue("lease", lease);
        command.Parameters.AddWithValue("running", JobTaskStatus.Running);
        command.Parameters.AddWithValue("from", TaskTransitions.Claim.From);
        command.Parameters.AddWithValue("jobRunning", JobStatus.Running);
        command.Parameters.AddWithValue("jobFrom", JobTransitions.Start.From);
        command.Parameters.AddWithValue("jobStopped", new[] { JobStatus.Failed, JobStatus.Cancelled });
        command.Parameters.AddWithValue("lost", AttemptOutcome.Lost);
        command.Parameters.AddWithValue("lostError", LostAttempts.Error);

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
                $"""
                SELECT t.id, t.current_attempt_id, t.job_id, t.attempts, t.max_attempts, t.type, {Input("t")}, t.lease_expires_at, j.timeout_seconds, t.tenant_id, t."index", t.status
                FROM tasks t JOIN jobs j ON j.id = t.job_id
                WHERE t.id = ANY(@ids)
                """, connection);
            lookup.Parameters.AddWithValue("ids", refused);
            await using var reader = await lookup.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var status = reader.GetString(11);
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

    /// <summary>A task's input, as a grant hands it over: its job's parameters overlaid with the task's own input.</summary>
    private static string Input(string task) => $"(j.parameters || coalesce({task}.input, '{{}}'::jsonb))::text";

    // A grant's columns: task, attempt, job, attempt number, max attempts, type, input, lease, timeout, tenant, index.
    private static ClaimOutcome.Granted ReadGrant(NpgsqlDataReader reader) => new(
        TaskId: reader.GetGuid(0),
        JobId: reader.GetGuid(2),
        Index: reader.GetInt32(10),
        Attempt: reader.GetInt32(3),
        MaxAttempts: reader.GetInt32(4),
        Type: reader.GetString(5),
        Input: JsonNode.Parse(reader.GetString(6))!.AsObject(),
        LeaseExpiresAt: reader.GetFieldValue<DateTimeOffset>(7),
        Timeout: reader.IsDBNull(8) ? null : TimeSpan.FromSeconds(reader.GetInt32(8)),
        TenantId: reader.GetString(9));

    /// <summary>
    /// The attempt that holds the task is still running: extend its lease. Returns the new expiry, or
    /// the task's status when this attempt no longer holds it (finished, cancelled, or taken over
    /// after its lease expired), which tells the worker to stop. A beat that carries the handler's
    /// progress records it on the task.
    /// </summary>
    public async Task<HeartbeatOutcome> HeartbeatAsync(Guid taskId, Guid attemptId, TimeSpan lease, TaskProgress? progress, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            UPDATE tasks SET lease_expires_at = now() + @lease, updated_at = now(),
                progress_fraction = CASE WHEN @said THEN @fraction ELSE progress_fraction END,
                progress_message = CASE WHEN @said THEN @message ELSE progress_message END
            WHERE id = @id AND status = ANY(@from) AND current_attempt_id = @attempt
            RETURNING lease_expires_at
            """, connection);
        command.Parameters.AddWithValue("said", progress is not null);
        command.Parameters.Add(new NpgsqlParameter("fraction", NpgsqlTypes.NpgsqlDbType.Double) { Value = (object?)progress?.Fraction ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("message", NpgsqlTypes.NpgsqlDbType.Varchar) { Value = (object?)progress?.Message ?? DBNull.Value });
        command.Parameters.AddWithValue("id", taskId);
        command.Parameters.AddWithValue("attempt", attemptId);
        command.Parameters.AddWithValue("lease", lease);
        command.Parameters.AddWithValue("from", TaskTransitions.Report.From);
        if (await command.ExecuteScalarAsync(ct) is DateTime expires)
        {
            return new HeartbeatOutcome.Extended(new DateTimeOffset(expires, TimeSpan.Zero));
        }
        var status = await TaskStatusAsync(connection, taskId, ct);
        return status is null ? new HeartbeatOutcome.NotFound() : new HeartbeatOutcome.Lost(status);
    }

    /// <summary>
    /// Applies a batch of attempt reports in one transaction and returns one outcome per report, in
    /// order. Each report is judged on its own: the attempt that holds its task moves it (succeeded,
    /// retrying, failed, or released back to enqueued); a stale report changes nothing but its own
    /// attempt's end. Each job's counters move once per batch, not once per task, so a job of many
    /// fast tasks does not queue every report behind one row lock.
    /// </summary>
    /// <param name="retryAfter">The wait after a failed attempt (its number), with its job's backoff (null for the Api's).</param>
    /// <remarks>
    /// A task to be retried waits out its backoff here, as <c>retrying</c> until its <c>retry_at</c>
    /// on the Api's clock (the one a delayed job's <c>runAt</c> is read on), and is then released
    /// like a delayed job (<see cref="DelayedJobs"/>): its worker deletes the message it ran from.
    /// </remarks>
    public async Task<IReadOnlyList<ReportOutcome>> ReportAsync(IReadOnlyList<AttemptReport> reports, Func<int, RetryBackoff?, TimeSpan> retryAfter, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);

        // Two round trips: the transaction begins with the read of the locked tasks and, unless a job
        // may fail, commits with the writes. Whatever fails in between is rolled back when the
        // connection goes back to the pool.
        var tasks = new Dictionary<Guid, (string Status, int Attempts, int MaxAttempts, Guid? CurrentAttempt, Guid JobId, string? Backoff)>();
        await using (var current = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new("BEGIN"),
                new(LockOrder.Tasks("id = ANY(@ids)", "id, status, attempts, max_attempts, current_attempt_id, job_id, (SELECT j.retry_backoff::text FROM jobs j WHERE j.id = tasks.job_id)"))
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
                    reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.GetGuid(5), reader.IsDBNull(6) ? null : reader.GetString(6));
            }
        }

        var outcomes = new ReportOutcome[reports.Count];
        var now = clock.GetUtcNow();
        var moves = new List<(AttemptReport Report, string Status, DateTimeOffset? RetryAt)>();
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
            if (!TaskTransitions.Report.From.Contains(task.Status) || task.CurrentAttempt != report.AttemptId)
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
                JobTaskStatus.Retrying => retryAfter(task.Attempts, Data.RetryBackoffJson.Read(task.Backoff)),
                JobTaskStatus.Enqueued => TimeSpan.Zero,
                _ => (TimeSpan?)null,
            };
            outcomes[i] = new ReportOutcome.Applied(status, delay);
            moves.Add((report, status, status == JobTaskStatus.Retrying ? now + delay : null));
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
                        lease_expires_at = NULL, updated_at = now(), retry_at = u.retry_at,
                        max_attempts = t.max_attempts + CASE WHEN u.released THEN 1 ELSE 0 END,
                        finished_at = CASE WHEN u.status = ANY(@final) THEN now() ELSE NULL END
                    FROM unnest(@ids, @attempts, @statuses, @results, @errors, @released, @retryAt) AS u(id, attempt_id, status, result, error, released, retry_at)
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
                        new("retryAt", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = moves.Select(m => m.RetryAt).ToArray() },
                        new("final", JobTaskStatus.Final.ToArray()),
                        new("from", TaskTransitions.Report.From),
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
                batch.BatchCommands.Add(JobCounters.CountFinished(counted.Select(c => (c.Key, c.Value.Finished, c.Value.Failed)).ToList()));
            }
            if (moves.Any(m => m.RetryAt is not null))
            {
                // The relays learn when this retry is due (they wait until the soonest); only a batch
                // with a retry pays for NOTIFY's lock at commit, never the successes' hot path.
                batch.BatchCommands.Add(Outbox.WakeUp());
            }
            if (!mayFailJob)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            }
            // Without a failure, a job found stopped already (a task that was running when it failed
            // reports late) has its leftovers cancelled after the commit, each in a guarded statement.
            await JobCounters.RunAsync(connection, transaction: null, batch, ct);
        }
        if (mayFailJob)
        {
            await using var commit = new NpgsqlCommand("COMMIT", connection);
            await commit.ExecuteNonQueryAsync(ct);
        }
        return outcomes;
    }

    private static async Task<string?> TaskStatusAsync(NpgsqlConnection connection, Guid taskId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT status FROM tasks WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", taskId);
        return await command.ExecuteScalarAsync(ct) as string;
    }
}
