using System.Diagnostics;
using Amazon.Runtime;
using Amazon.SQS;
using JobPlatform.Api.Data;
using JobPlatform.Api.Identity;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;
using Npgsql;

namespace JobPlatform.Api.Services;

/// <summary>Options for <see cref="OutboxRelay"/>. Bound from <c>OutboxRelay</c>.</summary>
public sealed class OutboxRelayOptions
{
    public const string SectionName = "OutboxRelay";

    /// <summary>Outbox rows one relay transaction takes. Defaults to 500.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>SendMessageBatch calls in flight at once. Defaults to 8.</summary>
    public int MaxConcurrentSends { get; set; } = 8;

    /// <summary>How long to wait for a notification before looking anyway. Defaults to 5 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How soon to look again while a tenant's quota holds rows back. Defaults to 200 ms.</summary>
    public TimeSpan HeldBackPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait after a failure to reach SQS or PostgreSQL. Defaults to 10 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Publishes outbox rows to SQS after their submission committed. Woken by NOTIFY on
/// <see cref="PostgresJobStore.OutboxChannel"/>, and polling as a fallback. Safe with several Api
/// replicas: each takes its rows with FOR UPDATE SKIP LOCKED.
/// </summary>
public sealed class OutboxRelay(
    NpgsqlDataSource dataSource,
    [FromKeyedServices(Extensions.Extensions.ListenerDataSource)] NpgsqlDataSource listeners,
    SqsTaskQueue queue,
    IOptions<OutboxRelayOptions> options,
    IOptions<TenancyOptions> tenancy,
    QuotaSignal capacity,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var listener = await listeners.OpenConnectionAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresJobStore.OutboxChannel}", listener))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                while (!stoppingToken.IsCancellationRequested)
                {
                    // Drain first: rows committed before LISTEN took effect sent no notification we saw.
                    RelayBatch batch;
                    while ((batch = await RelayBatchAsync(stoppingToken)).Sent > 0)
                    {
                    }
                    if (failures > 0)
                    {
                        logger.LogInformation("Outbox relay recovered after {Failures} failed attempts", failures);
                        failures = 0;
                    }
                    if (batch.HeldBack)
                    {
                        // Rows held back by a quota go out as tasks finish: at once when a report on
                        // this replica says so, within HeldBackPollInterval for the others'. A
                        // notification that arrives meanwhile is read by the next wait.
                        await capacity.WaitAsync(options.Value.HeldBackPollInterval, stoppingToken);
                    }
                    else
                    {
                        await listener.WaitAsync(options.Value.PollInterval, stoppingToken);
                    }
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && IsTransient(ex))
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(
                    options.Value.MaxRetryDelay.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(failures, 10))));
                logger.LogWarning("Outbox relay could not publish ({Error}); retrying in {Delay} (attempt {Failures})",
                    ex.Message, delay, failures);
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    // Any fixed number, distinct from the other advisory locks: one relay at a time spends the quotas.
    private const long RelayLockKey = 0x4a6f6252656c6179; // "JobRelay"

    /// <summary>
    /// Sends one batch of outbox rows. Each tenant's rows go out only while its tasks in the queue or
    /// running are fewer than its concurrency quota, highest priority first, and the batch is shared
    /// between the tenants that have room, so a tenant's big job never holds another's back. Rows over
    /// quota stay in the outbox, never in SQS: no worker receives a task only to hand it back.
    /// </summary>
    internal async Task<RelayBatch> RelayBatchAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(@key)", connection, transaction))
        {
            take.Parameters.AddWithValue("key", RelayLockKey);
            if (await take.ExecuteScalarAsync(ct) is not true)
            {
                // Another replica's relay is at work; it sends these rows.
                return new RelayBatch(0, HeldBack: false);
            }
        }

        var room = new List<(string Tenant, long Free)>();
        await using (var free = new NpgsqlCommand(FreeRoomSql, connection, transaction))
        {
            free.Parameters.AddWithValue("defaultQuota", tenancy.Value.MaxRunningTasks);
            await using var reader = await free.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                room.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }
        var heldBack = room.Any(r => r.Free <= 0);
        var open = room.Where(r => r.Free > 0).ToList();
        if (open.Count == 0)
        {
            return new RelayBatch(0, heldBack);
        }
        // An equal share of the batch for each tenant with room, within its room.
        var share = Math.Max(1, options.Value.BatchSize / open.Count);
        var rows = new List<(long Id, TaskMessage Message, short Priority, ActivityContext Trace)>();
        await using (var take = new NpgsqlCommand(
            """
            SELECT o.id, o.task_id, o.job_id, o.priority, o.trace_parent
            FROM unnest(@tenants, @takes) AS s(tenant_id, take)
            CROSS JOIN LATERAL (
                SELECT id, task_id, job_id, priority, trace_parent FROM outbox_messages m
                WHERE m.tenant_id = s.tenant_id
                ORDER BY m.priority, m.id LIMIT s.take
                FOR UPDATE SKIP LOCKED) o
            """, connection, transaction))
        {
            take.Parameters.AddWithValue("tenants", open.Select(r => r.Tenant).ToArray());
            take.Parameters.AddWithValue("takes", open.Select(r => (int)Math.Min(r.Free, share)).ToArray());
            await using var reader = await take.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows.Add((reader.GetInt64(0), new TaskMessage(reader.GetGuid(1), reader.GetGuid(2)), reader.GetInt16(3),
                    reader.IsDBNull(4) ? default : TaskTracing.Parse(reader.GetString(4))));
            }
        }
        if (rows.Count == 0)
        {
            return new RelayBatch(0, heldBack);
        }
        heldBack |= open.Any(r => r.Free < share) || rows.Count == options.Value.BatchSize;

        // A message is sent before the rows are deleted: a crash in between sends it again, which
        // the claim's guard absorbs. The reverse order could lose a task.
        var sent = new List<(long Id, TaskMessage Message, short Priority, ActivityContext Trace)>(rows.Count);
        await Parallel.ForEachAsync(
            rows.GroupBy(row => row.Priority).SelectMany(priority => priority.Chunk(SqsTaskQueue.MaxBatchSize)),
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrentSends, CancellationToken = ct },
            async (chunk, token) =>
            {
                var accepted = await queue.SendBatchAsync(
                    chunk.Select(row => new OutboundTask(row.Message, row.Trace)).ToList(),
                    JobPriority.FromRank(chunk[0].Priority), token);
                lock (sent)
                {
                    sent.AddRange(accepted.Select(index => chunk[index]));
                }
            });

        await using (var delete = new NpgsqlCommand("DELETE FROM outbox_messages WHERE id = ANY(@ids)", connection, transaction))
        {
            delete.Parameters.AddWithValue("ids", sent.Select(row => row.Id).ToArray());
            await delete.ExecuteNonQueryAsync(ct);
        }
        await PostgresJobStore.MarkEnqueuedAsync(
            connection, transaction,
            sent.Select(row => row.Message.TaskId).ToArray(),
            sent.Select(row => row.Message.JobId).Distinct().ToArray(),
            ct);
        await transaction.CommitAsync(ct);

        if (sent.Count < rows.Count)
        {
            // Rows SQS refused stay in the outbox for the next pass.
            logger.LogWarning("SQS refused {Refused} of {Total} task messages; they stay in the outbox", rows.Count - sent.Count, rows.Count);
        }
        return new RelayBatch(sent.Count, heldBack);
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

    private static bool IsTransient(Exception ex) =>
        ex is AmazonServiceException or AmazonClientException or HttpRequestException or NpgsqlException or TimeoutException
        || ex.InnerException is { } inner && IsTransient(inner);
}

/// <summary>What one relay pass did: messages sent, and whether a quota held rows back.</summary>
internal sealed record RelayBatch(int Sent, bool HeldBack);

/// <summary>
/// Tells the outbox relay that tasks finished on this replica, so a tenant's held-back tasks go out
/// as soon as its quota has room rather than at the next poll.
/// </summary>
public sealed class QuotaSignal
{
    private readonly SemaphoreSlim _freed = new(0, 1);

    /// <summary>Some tasks finished; wakes the relay if it waits for room.</summary>
    public void Freed()
    {
        if (_freed.CurrentCount == 0)
        {
            try
            {
                _freed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another report woke it first.
            }
        }
    }

    /// <summary>Waits for <see cref="Freed"/> or the timeout.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _freed.WaitAsync(timeout, ct);
}
