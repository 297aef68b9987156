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

    private const string Columns = "task_id, job_id, tenant_id, priority, trace_parent, created_at, type, queue";

    /// <summary>Wakes the relay when the transaction commits.</summary>
    internal static NpgsqlBatchCommand WakeUp() => new($"NOTIFY {Channel}");

    /// <summary>
    /// A CTE body that adds a row for every task in <paramref name="source"/> (a CTE returning
    /// <c>id</c> and <c>job_id</c>), filtered by <paramref name="where"/> on its alias <c>s</c>.
    /// </summary>
    internal static string Add(string source, string where = "true") =>
        $"INSERT INTO outbox_messages ({Columns}) SELECT s.id, s.job_id, j.tenant_id, j.priority, j.trace_parent, now(), j.type, j.queue FROM {source} s JOIN jobs j ON j.id = s.job_id WHERE {where}";

    /// <summary>
    /// A CTE body that drops the rows not yet sent of the tasks in <paramref name="source"/> (a CTE
    /// returning <c>id</c> and <c>tenant_id</c>), through the tenant's index; rows a relay is sending
    /// right now are skipped (their claims are refused).
    /// </summary>
    internal static string DropUnsentOf(string source) =>
        $"DELETE FROM outbox_messages WHERE id IN (SELECT o.id FROM outbox_messages o JOIN {source} s ON o.tenant_id = s.tenant_id AND o.task_id = s.id FOR UPDATE OF o SKIP LOCKED)";

    /// <summary>The rows of a new job's tasks, in the submission's batch.</summary>
    internal static NpgsqlBatchCommand AddForNewJob(Job job, Guid[] taskIds) => new(
        $"INSERT INTO outbox_messages ({Columns}) SELECT u.id, @job, @tenant, @priority, @traceParent, @now, @type, @queue FROM unnest(@ids) AS u(id)")
    {
        Parameters =
        {
            new("ids", taskIds),
            new("type", job.Type),
            new("queue", job.Queue),
            new("job", job.Id),
            new("tenant", job.TenantId),
            new("priority", job.Priority),
            new("traceParent", NpgsqlDbType.Varchar) { Value = (object?)job.TraceParent ?? DBNull.Value },
            new("now", job.CreatedAt),
        },
    };

    /// <summary>The rows of a new job's tasks once they are stored, read back from them (a streamed job's).</summary>
    internal static NpgsqlBatchCommand AddForStoredTasks(Job job) => new(
        $"INSERT INTO outbox_messages ({Columns}) SELECT t.id, t.job_id, t.tenant_id, @priority, @traceParent, @now, t.type, @queue FROM tasks t WHERE t.job_id = @job ORDER BY t.\"index\"")
    {
        Parameters =
        {
            new("job", job.Id),
            new("queue", job.Queue),
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
            await outbox.WriteAsync(job.Type, NpgsqlDbType.Text, ct);
            await outbox.WriteAsync(job.Queue, NpgsqlDbType.Varchar, ct);
        }
        await outbox.CompleteAsync(ct);
    }

    /// <summary>
    /// Takes the next rows to send, in a transaction held until <see cref="OutboxBatch.SentAsync"/>.
    /// Each queue's workers are shared between the tenants with work on it: a tenant's rows of a
    /// queue go out only while its tasks in flight there (queued or running) are fewer than its fair
    /// share of that queue's slots (<see cref="FairShare"/>) plus what it finished there in about the
    /// last <see cref="TenancyOptions.QueueAhead"/> (<see cref="FinishRates"/>), and its tasks in
    /// flight on all queues never pass its concurrency quota; highest priority first, and the batch
    /// is shared between the (tenant, queue) pairs with room. Short tasks so keep the queue fed,
    /// while a backlog sits in the queue ahead of another tenant's work for about that long at most,
    /// and long tasks never take the slots kept free. Rows held back stay here, never in SQS: no
    /// worker receives a task only to hand it back. Null when another replica's relay is at work (it
    /// sends these rows).
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

            var (fleet, lanes) = await ReadLanesAsync(connection, transaction, ct);
            var now = TimeSpan.FromMilliseconds(Environment.TickCount64);
            var ahead = lanes.ToDictionary(l => l.Key, l => _finished.Observe(l.Key, l.InFlight, now), StringComparer.Ordinal);
            _finished.Keep(ahead.Keys.ToHashSet(StringComparer.Ordinal));
            // Each queue's budget is split between its tenants; a tenant's quota bounds all its queues together.
            var shares = lanes.GroupBy(l => l.Queue, StringComparer.Ordinal)
                .SelectMany(queue => FairShare.Allocate(fleet.BudgetOf(queue.Key), queue.Select(l => (l.Key, Math.Min(l.Quota, l.InFlight + l.Waiting)))))
                .ToDictionary(share => share.Key, share => share.Value, StringComparer.Ordinal);
            var quotaLeft = lanes.GroupBy(l => l.Tenant, StringComparer.Ordinal)
                .ToDictionary(tenant => tenant.Key, tenant => tenant.First().Quota - tenant.Sum(l => l.InFlight), StringComparer.Ordinal);
            var waiting = new List<(Lane Lane, long Room)>();
            foreach (var lane in lanes.Where(l => l.Waiting > 0))
            {
                // A lane that wants nothing within its quota has no share.
                var room = Math.Max(0, Math.Min(quotaLeft[lane.Tenant], shares.GetValueOrDefault(lane.Key) + ahead[lane.Key] - lane.InFlight));
                quotaLeft[lane.Tenant] -= Math.Min(room, lane.Waiting);
                waiting.Add((lane, room));
            }
            var open = waiting.Where(l => l.Room > 0).ToList();
            // An equal share of the batch for each lane with room, within its room.
            var share = Math.Max(1, batchSize / Math.Max(1, open.Count));
            // Rows that a share holds back, rather than the batch: the relay looks again as tasks finish.
            var heldBack = waiting.Any(l => l.Room < l.Lane.Waiting && l.Room < share);
            var rows = new List<OutboxRow>();
            if (open.Count > 0)
            {
                // Each lane's take starts at this turn's first priority, then goes most urgent first
                // (PriorityOrder): a backlog of urgent work never starves the lane's lower priorities.
                var first = (short)_turns.Next()[0];
                await using var select = new NpgsqlCommand(
                    $"""
                    SELECT o.id, o.task_id, o.job_id, o.priority, o.trace_parent, o.tenant_id, o.queue, o.type
                    FROM outbox_messages o
                    WHERE o.id IN (
                        SELECT c.id FROM unnest(@tenants, @queues, @takes) AS s(tenant_id, queue, take)
                        CROSS JOIN LATERAL (
                            SELECT u.id FROM (
                                (SELECT m.id, 0 AS turn, m.priority FROM outbox_messages m
                                 WHERE m.tenant_id = s.tenant_id AND m.queue = s.queue AND m.priority = @first AND {ServedFilter("m")}
                                 ORDER BY m.id LIMIT s.take)
                                UNION ALL
                                (SELECT m.id, 1, m.priority FROM outbox_messages m
                                 WHERE m.tenant_id = s.tenant_id AND m.queue = s.queue AND m.priority <> @first AND {ServedFilter("m")}
                                 ORDER BY m.priority, m.id LIMIT s.take)
                            ) u ORDER BY u.turn, u.priority, u.id LIMIT s.take) c)
                    FOR UPDATE SKIP LOCKED
                    """, connection, transaction);
                select.Parameters.AddWithValue("tenants", open.Select(l => l.Lane.Tenant).ToArray());
                select.Parameters.AddWithValue("queues", open.Select(l => l.Lane.Queue).ToArray());
                select.Parameters.AddWithValue("takes", open.Select(l => (int)Math.Min(l.Room, share)).ToArray());
                select.Parameters.AddWithValue("first", first);
                select.Parameters.Add(fleet.ServedParameter());
                await using var reader = await select.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    rows.Add(new OutboxRow(reader.GetInt64(0), new TaskMessage(reader.GetGuid(1), reader.GetGuid(2), reader.GetString(7)), reader.GetInt16(3),
                        reader.IsDBNull(4) ? default : TaskTracing.Parse(reader.GetString(4)), reader.GetString(5), reader.GetString(6)));
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

    /// <summary>
    /// Whether an outbox row (alias <paramref name="alias"/>) may go: its queue and type are among
    /// <c>@served</c>'s <see cref="LiveFleet.Route"/>s, or <c>@served</c> is null (every row goes).
    /// </summary>
    private static string ServedFilter(string alias) =>
        $"(@served IS NULL OR {alias}.queue || '/' || {alias}.type = ANY(@served) OR {alias}.queue || '/{LiveFleet.AnyType}' = ANY(@served))";

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
    /// The live workers (<see cref="LiveFleet"/>), and each tenant's lanes: a queue of one of its
    /// unfinished jobs with tasks in flight there or rows waiting here, with its quota, its tasks
    /// queued or running on that queue (a short index range: at most its share), and its rows there
    /// of a route the live workers serve, counted up to what its share could use.
    /// </summary>
    private async Task<(LiveFleet Fleet, List<Lane> Lanes)> ReadLanesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        var workers = new List<(long Slots, string[] Queues, string[] Types)>();
        await using (var live = new NpgsqlCommand(
            "SELECT slots, queues, task_types FROM workers WHERE stopped_at IS NULL AND last_heartbeat_at > now() - @goneAfter", connection, transaction))
        {
            live.Parameters.AddWithValue("goneAfter", Apis.WorkersApi.GoneAfter);
            await using var reader = await live.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                workers.Add((reader.GetInt32(0), reader.GetFieldValue<string[]>(1), reader.GetFieldValue<string[]>(2)));
            }
        }
        var fleet = LiveFleet.Of(workers, tenancy.Value.ReservedShare);

        await using var command = new NpgsqlCommand(
            $"""
            WITH RECURSIVE busy AS (
                -- The tenants with an unfinished job, one probe of ix_jobs_unfinished each: the
                -- others have nothing in flight or waiting, however many tenants there are.
                (SELECT tenant_id FROM jobs WHERE finished_tasks < task_count ORDER BY tenant_id LIMIT 1)
                UNION ALL
                SELECT (SELECT j.tenant_id FROM jobs j WHERE j.finished_tasks < j.task_count AND j.tenant_id > b.tenant_id ORDER BY j.tenant_id LIMIT 1)
                FROM busy b WHERE b.tenant_id IS NOT NULL
            )
            SELECT t.id, q.queue, coalesce(t.max_running_tasks, @defaultQuota)::bigint, f.count, w.count
            FROM busy b JOIN tenants t ON t.id = b.tenant_id
            CROSS JOIN LATERAL (SELECT DISTINCT j.queue FROM jobs j WHERE j.tenant_id = t.id AND j.finished_tasks < j.task_count) q
            -- From the lane's unfinished jobs (a task in flight is unfinished, so is its job), each
            -- counted from ix_tasks_job_id_status alone: reading each in-flight task's row to find
            -- its job's queue cost 70 ms a pass with a few thousand in flight.
            CROSS JOIN LATERAL (SELECT count(*) FROM jobs j JOIN tasks k ON k.job_id = j.id AND k.status = ANY(@inFlight)
                                WHERE j.tenant_id = t.id AND j.finished_tasks < j.task_count AND j.queue = q.queue) f
            CROSS JOIN LATERAL (SELECT count(*) FROM (SELECT FROM outbox_messages o
                                WHERE o.tenant_id = t.id AND o.queue = q.queue AND {ServedFilter("o")} LIMIT @enough) o) w
            WHERE f.count > 0 OR w.count > 0
            """, connection, transaction);
        command.Parameters.AddWithValue("defaultQuota", tenancy.Value.MaxRunningTasks);
        command.Parameters.AddWithValue("inFlight", InFlightStatuses);
        // The count is the demand in the fair split, where no share is larger than the budget (or one):
        // a backlog counted past it would change nothing.
        command.Parameters.AddWithValue("enough", Math.Max(fleet.LargestBudget, 1) + 1);
        command.Parameters.Add(fleet.ServedParameter());
        var lanes = new List<Lane>();
        await using var rows = await command.ExecuteReaderAsync(ct);
        while (await rows.ReadAsync(ct))
        {
            lanes.Add(new Lane(rows.GetString(0), rows.GetString(1), rows.GetInt64(2), rows.GetInt64(3), rows.GetInt64(4)));
        }
        return (fleet, lanes);
    }

    /// <summary>The statuses of a task released to SQS and not finished: its message is in the queue, or a worker holds it.</summary>
    private static readonly string[] InFlightStatuses = [JobTaskStatus.Enqueued, JobTaskStatus.Running, JobTaskStatus.Retrying];

    /// <summary>A tenant's work on one queue: the unit the relay shares a queue's slots by.</summary>
    private sealed record Lane(string Tenant, string Queue, long Quota, long InFlight, long Waiting)
    {
        /// <summary>The lane's name in the shares and the finish rates.</summary>
        public string Key { get; } = KeyOf(Tenant, Queue);
    }

    /// <summary>A lane's name: the tenant, and its queue after a '/' unless it is <c>default</c>.</summary>
    internal static string KeyOf(string tenant, string queue) => queue == QueueNames.Default ? tenant : $"{tenant}/{queue}";
}

/// <summary>
/// The live workers as the relay sees them: each queue's slots, and the routes (a queue and a task
/// type) it may send. A route is served while every live worker that receives from the queue runs
/// the type, so a worker never receives a task it has no handler for. A worker that does not say
/// which types it runs is taken to run them all.
/// </summary>
/// <param name="Routes">Each served route as <c>queue/type</c>, or <c>queue/*</c> for every type (no
/// worker on the queue says what it runs); null when every row goes, because no worker is live yet:
/// a first task must reach the queue for one to start on.</param>
public sealed record LiveFleet(IReadOnlyDictionary<string, long> Budgets, string[]? Routes)
{
    /// <summary>The slots a queue's tenants share (<see cref="FairShare.Budget"/> of its workers' slots); zero with no worker on it.</summary>
    public long BudgetOf(string queue) => Budgets.GetValueOrDefault(queue);

    public long LargestBudget => Budgets.Count == 0 ? 0 : Budgets.Values.Max();

    public NpgsqlParameter ServedParameter() => new("served", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)Routes ?? DBNull.Value };

    /// <summary>A route's name.</summary>
    public static string Route(string queue, string type) => $"{queue}/{type}";

    /// <summary>The type of a route that takes every type (no task type's name has it).</summary>
    public const string AnyType = "*";

    /// <param name="workers">Each live worker's slots, queues (none means <c>default</c>) and task types.</param>
    public static LiveFleet Of(IReadOnlyList<(long Slots, string[] Queues, string[] Types)> workers, double reservedShare)
    {
        var byQueue = workers
            .SelectMany(w => (w.Queues.Length == 0 ? [QueueNames.Default] : w.Queues).Select(queue => (Queue: queue, Worker: w)))
            .GroupBy(x => x.Queue, x => x.Worker, StringComparer.Ordinal)
            .ToList();
        // A worker that receives from several queues counts its slots in each.
        var budgets = byQueue.ToDictionary(q => q.Key, q => FairShare.Budget(q.Sum(w => w.Slots), reservedShare), StringComparer.Ordinal);
        if (workers.Count == 0)
        {
            return new LiveFleet(budgets, null);
        }
        var routes = byQueue
            .SelectMany(q => q.Where(w => w.Types.Length > 0).Select(w => (IEnumerable<string>)w.Types).ToList() is { Count: > 0 } typed
                ? typed.Aggregate((all, types) => all.Intersect(types, StringComparer.Ordinal)).Select(type => Route(q.Key, type))
                : [Route(q.Key, AnyType)])
            .ToArray();
        return new LiveFleet(budgets, routes);
    }
}

/// <summary>An outbox row taken to be sent: its message, priority rank, the job's trace, its tenant and queue.</summary>
public sealed record OutboxRow(long Id, TaskMessage Message, short Priority, ActivityContext Trace, string TenantId, string Queue);

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
        foreach (var lane in sent.GroupBy(row => Outbox.KeyOf(row.TenantId, row.Queue)))
        {
            finished.Sent(lane.Key, lane.Count());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
