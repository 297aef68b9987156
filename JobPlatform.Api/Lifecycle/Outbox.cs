using System.Diagnostics;
using JobPlatform.Api.Data;
using JobPlatform.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// The outbox: one row per task message waiting for SQS, written in the transaction that makes the
/// task runnable (a submission, a retry, a lease that ran out) so that a task can never be runnable
/// and not enqueued. The only code that reads or writes <c>outbox_messages</c>; the
/// <see cref="Services.OutboxRelay"/> takes its rows through <see cref="TakeAsync"/>.
/// </summary>
public sealed class Outbox(NpgsqlDataSource dataSource)
{
    /// <summary>The channel the relay listens on; every write here notifies it on commit.</summary>
    public const string Channel = "jobplatform_outbox";

    private const string Columns = "task_id, job_id, tenant_id, priority, trace_parent, created_at";

    /// <summary>Wakes the relay when the transaction commits.</summary>
    internal static NpgsqlBatchCommand WakeUp() => new($"NOTIFY {Channel}");

    /// <summary>
    /// A CTE body that adds a row for every task in <paramref name="source"/> (a CTE returning
    /// <c>id</c> and <c>job_id</c>), filtered by <paramref name="where"/> on its alias <c>s</c>.
    /// </summary>
    internal static string Add(string source, string where = "true") =>
        $"INSERT INTO outbox_messages ({Columns}) SELECT s.id, s.job_id, j.tenant_id, j.priority, j.trace_parent, now() FROM {source} s JOIN jobs j ON j.id = s.job_id WHERE {where}";

    /// <summary>A CTE body that drops a job's rows not yet sent; rows a relay is sending right now are skipped, not waited for.</summary>
    internal const string DropUnsentOfJob =
        "DELETE FROM outbox_messages WHERE id IN (SELECT id FROM outbox_messages WHERE job_id = @job FOR UPDATE SKIP LOCKED)";

    /// <summary>The rows of a new job's tasks, in the submission's batch.</summary>
    internal static NpgsqlBatchCommand AddForNewJob(Job job, Guid[] taskIds) => new(
        $"INSERT INTO outbox_messages ({Columns}) SELECT u.id, @job, @tenant, @priority, @traceParent, @now FROM unnest(@ids) AS u(id)")
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

    /// <summary>The rows of a big new job's tasks, by binary COPY (one round trip).</summary>
    internal static async Task CopyForNewJobAsync(NpgsqlConnection connection, Job job, Guid[] taskIds, CancellationToken ct)
    {
        await using var outbox = await connection.BeginBinaryImportAsync($"COPY outbox_messages ({Columns}) FROM STDIN (FORMAT BINARY)", ct);
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
    /// Takes the next rows to send, in a transaction held until <see cref="OutboxBatch.SentAsync"/>.
    /// Each tenant's rows go out only while its tasks in the queue or running are fewer than its
    /// concurrency quota (<paramref name="defaultQuota"/> unless the tenant has its own), highest
    /// priority first, and the batch is shared between the tenants that have room, so a tenant's big
    /// job never holds another's back. Rows over quota stay here, never in SQS: no worker receives a
    /// task only to hand it back. Null when another replica's relay is at work (it sends these rows).
    /// </summary>
    public async Task<OutboxBatch?> TakeAsync(int batchSize, int defaultQuota, CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(ct);
            if (!await AdvisoryLocks.TryTakeAsync(connection, transaction, AdvisoryLocks.Relay, 0, ct))
            {
                await DisposeAsync();
                return null;
            }

            var room = new List<(string Tenant, long Free)>();
            await using (var free = new NpgsqlCommand(FreeRoomSql, connection, transaction))
            {
                free.Parameters.AddWithValue("defaultQuota", defaultQuota);
                await using var reader = await free.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    room.Add((reader.GetString(0), reader.GetInt64(1)));
                }
            }
            var heldBack = room.Any(r => r.Free <= 0);
            var open = room.Where(r => r.Free > 0).ToList();
            var rows = new List<OutboxRow>();
            // An equal share of the batch for each tenant with room, within its room.
            var share = Math.Max(1, batchSize / Math.Max(1, open.Count));
            if (open.Count > 0)
            {
                await using var select = new NpgsqlCommand(
                    """
                    SELECT o.id, o.task_id, o.job_id, o.priority, o.trace_parent
                    FROM unnest(@tenants, @takes) AS s(tenant_id, take)
                    CROSS JOIN LATERAL (
                        SELECT id, task_id, job_id, priority, trace_parent FROM outbox_messages m
                        WHERE m.tenant_id = s.tenant_id
                        ORDER BY m.priority, m.id LIMIT s.take
                        FOR UPDATE SKIP LOCKED) o
                    """, connection, transaction);
                select.Parameters.AddWithValue("tenants", open.Select(r => r.Tenant).ToArray());
                select.Parameters.AddWithValue("takes", open.Select(r => (int)Math.Min(r.Free, share)).ToArray());
                await using var reader = await select.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    rows.Add(new OutboxRow(reader.GetInt64(0), new TaskMessage(reader.GetGuid(1), reader.GetGuid(2)), reader.GetInt16(3),
                        reader.IsDBNull(4) ? default : TaskTracing.Parse(reader.GetString(4))));
                }
            }
            heldBack |= rows.Count > 0 && (open.Any(r => r.Free < share) || rows.Count == batchSize);
            return new OutboxBatch(connection, transaction, rows, heldBack);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }

        async ValueTask DisposeAsync()
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }
            await connection.DisposeAsync();
        }
    }

    /// <summary>How many messages wait for SQS, and how long the oldest has waited (zero when none).</summary>
    public async Task<(long Count, TimeSpan OldestAge)> BacklogAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM outbox_messages", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), TimeSpan.FromSeconds(reader.GetDouble(1)));
    }

    /// <summary>
    /// Each tenant with rows waiting, and how many more of its tasks may be in flight. A tenant's
    /// unfinished tasks come from its jobs' counters (kept by every transition that finishes a task);
    /// those not in flight are exactly its rows waiting here. Only a tenant with more unfinished tasks
    /// than its quota needs that count: otherwise everything waiting fits.
    /// </summary>
    private const string FreeRoomSql =
        """
        SELECT t.id, CASE WHEN u.unfinished <= q.quota THEN q.quota
                          ELSE q.quota - u.unfinished + (SELECT count(*) FROM outbox_messages o WHERE o.tenant_id = t.id) END
        FROM tenants t
        CROSS JOIN LATERAL (SELECT coalesce(t.max_running_tasks, @defaultQuota)::bigint AS quota) q
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(j.task_count - j.finished_tasks), 0)::bigint AS unfinished
            FROM jobs j WHERE j.tenant_id = t.id AND j.finished_tasks < j.task_count) u
        WHERE EXISTS (SELECT 1 FROM outbox_messages o WHERE o.tenant_id = t.id)
        """;
}

/// <summary>An outbox row taken to be sent: its message, priority rank and the job's trace.</summary>
public sealed record OutboxRow(long Id, TaskMessage Message, short Priority, ActivityContext Trace);

/// <summary>
/// Rows taken from the outbox, locked until <see cref="SentAsync"/> commits what SQS accepted or the
/// batch is disposed (which gives every row back).
/// </summary>
public sealed class OutboxBatch(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<OutboxRow> rows, bool heldBack) : IAsyncDisposable
{
    public IReadOnlyList<OutboxRow> Rows { get; } = rows;

    /// <summary>Whether a tenant's quota held rows back: the relay should look again soon.</summary>
    public bool HeldBack { get; } = heldBack;

    /// <summary>
    /// Deletes the rows whose messages SQS accepted and marks their tasks enqueued (and their jobs,
    /// the first time), then commits. Rows not in <paramref name="sent"/> stay for the next pass.
    /// A message is sent before its row is deleted: a crash in between sends it again, which the
    /// claim's guard absorbs. The reverse order could lose a task.
    /// </summary>
    public async Task SentAsync(IReadOnlyCollection<OutboxRow> sent, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            DELETE FROM outbox_messages WHERE id = ANY(@rows);
            UPDATE tasks t SET status = @enqueued, updated_at = now()
            FROM ({LockOrder.Tasks("id = ANY(@tasks) AND status = ANY(@from)")}) l
            WHERE t.id = l.id AND t.status = ANY(@from);
            UPDATE jobs SET status = @jobEnqueued, updated_at = greatest(updated_at, now())
            WHERE id = ANY(@jobs) AND status = ANY(@jobFrom);
            """, connection, transaction);
        command.Parameters.AddWithValue("rows", sent.Select(row => row.Id).ToArray());
        command.Parameters.AddWithValue("tasks", sent.Select(row => row.Message.TaskId).ToArray());
        command.Parameters.AddWithValue("from", TaskTransitions.Enqueue.From);
        command.Parameters.AddWithValue("enqueued", TaskTransitions.Enqueue.To[0]);
        command.Parameters.AddWithValue("jobs", sent.Select(row => row.Message.JobId).Distinct().ToArray());
        command.Parameters.AddWithValue("jobFrom", JobTransitions.Enqueue.From);
        command.Parameters.AddWithValue("jobEnqueued", JobTransitions.Enqueue.To[0]);
        await command.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
