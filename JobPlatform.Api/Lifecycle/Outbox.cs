using System.Diagnostics;
using JobPlatform.Api.Data;
using JobPlatform.Contracts;
using Npgsql;
using NpgsqlTypes;
using JobPlatform.Api.Identity;
using Microsoft.Extensions.Options;

namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// The outbox: one row per task message waiting for SQS, written in the transaction that makes the
/// task runnable (a submission, a retry, a lease that ran out) so that a task can never be runnable
/// and not enqueued. The only code that reads or writes <c>outbox_messages</c>; the
/// <see cref="Services.OutboxRelay"/> takes its rows through <see cref="TakeAsync"/>.
/// </summary>
public sealed class Outbox(NpgsqlDataSource dataSource, IOptions<TenancyOptions> tenancy)
{
    private readonly PriorityOrder _turns = new();
    private readonly FinishRates _finished = new(tenancy.Value.QueueAhead);

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

    /// <summary>
    /// A CTE body that drops the rows not yet sent of the tasks in <paramref name="source"/> (a CTE
    /// returning <c>id</c> and <c>tenant_id</c>), through the tenant's index; rows a relay is sending
    /// right now are skipped (their claims are refused).
    /// </summary>
    internal static string DropUnsentOf(string source) =>
        $"DELETE FROM outbox_messages WHERE id IN (SELECT o.id FROM outbox_messages o JOIN {source} s ON o.tenant_id = s.tenant_id AND o.task_id = s.id FOR UPDATE OF o SKIP LOCKED)";

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
    /// Each tenant's rows go out only while its tasks in flight (queued or running) are fewer than its
    /// fair share of the fleet's slots (<see cref="FairShare"/>) plus what it finished in about the last
    /// <see cref="TenancyOptions.QueueAhead"/> (<see cref="FinishRates"/>), and never more than its
    /// concurrency quota; highest priority first, and the batch is shared between the tenants with
    /// room. Short tasks so keep the queue fed, while a backlog sits in the queue ahead of another
    /// tenant's work for about that long at most, and long tasks never take the slots kept free. Rows
    /// held back stay here, never in SQS: no worker receives a task only to hand it back. Null when
    /// another replica's relay is at work (it sends these rows).
    /// </summary>
    public async Task<OutboxBatch?> TakeAsync(int batchSize, CancellationToken ct)
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

            var tenants = await ReadTenantsAsync(connection, transaction, ct);
            var now = TimeSpan.FromMilliseconds(Environment.TickCount64);
            var ahead = tenants.Rows.ToDictionary(t => t.Tenant, t => _finished.Observe(t.Tenant, t.InFlight, now), StringComparer.Ordinal);
            _finished.Keep(ahead.Keys.ToHashSet(StringComparer.Ordinal));
            var shares = FairShare.Allocate(tenants.Budget, tenants.Rows.Select(t => (t.Tenant, Math.Min(t.Quota, t.InFlight + t.Waiting))));
            var waiting = tenants.Rows.Where(t => t.Waiting > 0)
                .Select(t => (t.Tenant, t.Waiting, Room: Math.Max(0, Math.Min(t.Quota, shares[t.Tenant] + ahead[t.Tenant]) - t.InFlight)))
                .ToList();
            var open = waiting.Where(t => t.Room > 0).ToList();
            // An equal share of the batch for each tenant with room, within its room.
            var share = Math.Max(1, batchSize / Math.Max(1, open.Count));
            // Rows that a share holds back, rather than the batch: the relay looks again as tasks finish.
            var heldBack = waiting.Any(t => t.Room < t.Waiting && t.Room < share);
            var rows = new List<OutboxRow>();
            if (open.Count > 0)
            {
                // Each tenant's take starts at this turn's first priority, then goes most urgent first
                // (PriorityOrder): a backlog of urgent work never starves the tenant's lower priorities.
                var first = (short)_turns.Next()[0];
                await using var select = new NpgsqlCommand(
                    """
                    SELECT o.id, o.task_id, o.job_id, o.priority, o.trace_parent, o.tenant_id
                    FROM outbox_messages o
                    WHERE o.id IN (
                        SELECT c.id FROM unnest(@tenants, @takes) AS s(tenant_id, take)
                        CROSS JOIN LATERAL (
                            SELECT u.id FROM (
                                (SELECT m.id, 0 AS turn, m.priority FROM outbox_messages m
                                 WHERE m.tenant_id = s.tenant_id AND m.priority = @first ORDER BY m.id LIMIT s.take)
                                UNION ALL
                                (SELECT m.id, 1, m.priority FROM outbox_messages m
                                 WHERE m.tenant_id = s.tenant_id AND m.priority <> @first ORDER BY m.priority, m.id LIMIT s.take)
                            ) u ORDER BY u.turn, u.priority, u.id LIMIT s.take) c)
                    FOR UPDATE SKIP LOCKED
                    """, connection, transaction);
                select.Parameters.AddWithValue("tenants", open.Select(r => r.Tenant).ToArray());
                select.Parameters.AddWithValue("takes", open.Select(r => (int)Math.Min(r.Room, share)).ToArray());
                select.Parameters.AddWithValue("first", first);
                await using var reader = await select.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    rows.Add(new OutboxRow(reader.GetInt64(0), new TaskMessage(reader.GetGuid(1), reader.GetGuid(2)), reader.GetInt16(3),
                        reader.IsDBNull(4) ? default : TaskTracing.Parse(reader.GetString(4)), reader.GetString(5)));
                }
            }
            return new OutboxBatch(connection, transaction, rows, heldBack, _finished);
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
    /// The slots the tenants share, and each tenant with tasks in flight or waiting here: its quota,
    /// its tasks queued or running (a short index range: at most its share),
    /// and its rows waiting here, counted up to what its share could use.
    /// </summary>
    private async Task<(long Budget, List<TenantRoom> Rows)> ReadTenantsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        long budget;
        await using (var fleet = new NpgsqlCommand(
            "SELECT coalesce(sum(slots), 0)::bigint FROM workers WHERE stopped_at IS NULL AND last_heartbeat_at > now() - @goneAfter",
            connection, transaction))
        {
            fleet.Parameters.AddWithValue("goneAfter", Apis.WorkersApi.GoneAfter);
            budget = FairShare.Budget((long)(await fleet.ExecuteScalarAsync(ct))!, tenancy.Value.ReservedShare);
        }

        await using var command = new NpgsqlCommand(
            """
            WITH RECURSIVE busy AS (
                -- The tenants with an unfinished job, one probe of ix_jobs_unfinished each: the
                -- others have nothing in flight or waiting, however many tenants there are.
                (SELECT tenant_id FROM jobs WHERE finished_tasks < task_count ORDER BY tenant_id LIMIT 1)
                UNION ALL
                SELECT (SELECT j.tenant_id FROM jobs j WHERE j.finished_tasks < j.task_count AND j.tenant_id > b.tenant_id ORDER BY j.tenant_id LIMIT 1)
                FROM busy b WHERE b.tenant_id IS NOT NULL
            )
            SELECT t.id, coalesce(t.max_running_tasks, @defaultQuota)::bigint, f.count, w.count
            FROM busy b JOIN tenants t ON t.id = b.tenant_id
            CROSS JOIN LATERAL (SELECT count(*) FROM tasks k WHERE k.tenant_id = t.id AND k.status = ANY(@inFlight)) f
            CROSS JOIN LATERAL (SELECT count(*) FROM (SELECT FROM outbox_messages o WHERE o.tenant_id = t.id LIMIT @enough) o) w
            WHERE f.count > 0 OR w.count > 0
            """, connection, transaction);
        command.Parameters.AddWithValue("defaultQuota", tenancy.Value.MaxRunningTasks);
        command.Parameters.AddWithValue("inFlight", InFlightStatuses);
        // The count is the demand in the fair split, where no share is larger than the budget (or one):
        // a backlog counted past it would change nothing.
        command.Parameters.AddWithValue("enough", Math.Max(budget, 1) + 1);
        var rows = new List<TenantRoom>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new TenantRoom(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        }
        return (budget, rows);
    }

    /// <summary>The statuses of a task released to SQS and not finished: its message is in the queue, or a worker holds it.</summary>
    private static readonly string[] InFlightStatuses = [JobTaskStatus.Enqueued, JobTaskStatus.Running, JobTaskStatus.Retrying];

    private sealed record TenantRoom(string Tenant, long Quota, long InFlight, long Waiting);
}

/// <summary>An outbox row taken to be sent: its message, priority rank, the job's trace and its tenant.</summary>
public sealed record OutboxRow(long Id, TaskMessage Message, short Priority, ActivityContext Trace, string TenantId);

/// <summary>
/// Rows taken from the outbox, locked until <see cref="SentAsync"/> commits what SQS accepted or the
/// batch is disposed (which gives every row back).
/// </summary>
public sealed class OutboxBatch(
    NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<OutboxRow> rows, bool heldBack, FinishRates finished) : IAsyncDisposable
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
        foreach (var tenant in sent.GroupBy(row => row.TenantId))
        {
            finished.Sent(tenant.Key, tenant.Count());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
