using System.Diagnostics;
using Amazon.Runtime;
using Amazon.SQS;
using JobPlatform.Api.Lifecycle;
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
/// <see cref="Outbox.Channel"/>, and polling as a fallback; each pass first releases the delayed
/// jobs that are due (<see cref="DelayedJobs"/>), and the wait ends when the next one is. Safe with
/// several Api replicas: each takes its rows with FOR UPDATE SKIP LOCKED.
/// </summary>
public sealed class OutboxRelay(
    Outbox outbox,
    DelayedJobs delayed,
    TimeProvider clock,
    [FromKeyedServices(Extensions.Extensions.ListenerDataSource)] NpgsqlDataSource listeners,
    SqsTaskQueue queue,
    IOptions<OutboxRelayOptions> options,
    QuotaSignal capacity,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(500), options.Value.MaxRetryDelay);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var listener = await listeners.OpenConnectionAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {Outbox.Channel}", listener))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                while (!stoppingToken.IsCancellationRequested)
                {
                    // Delayed jobs that are due get their outbox rows first, so this pass sends them.
                    var (_, nextDue) = await delayed.ReleaseDueAsync(clock.GetUtcNow(), stoppingToken);
                    // Drain first: rows committed before LISTEN took effect sent no notification we saw.
                    RelayBatch batch;
                    while ((batch = await RelayBatchAsync(stoppingToken)).Sent > 0)
                    {
                    }
                    if (backoff.Succeeded() is var failures and > 0)
                    {
                        logger.LogInformation("Outbox relay recovered after {Failures} failed attempts", failures);
                    }
                    if (batch.HeldBack)
                    {
                        // Rows held back by a quota go out as tasks finish: at once when a report on
                        // this replica says so, within HeldBackPollInterval for the others'. A
                        // notification that arrives meanwhile is read by the next wait.
                        await capacity.WaitAsync(Until(nextDue, options.Value.HeldBackPollInterval), stoppingToken);
                    }
                    else
                    {
                        await listener.WaitAsync(Until(nextDue, options.Value.PollInterval), stoppingToken);
                    }
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                var delay = backoff.Failed();
                // The first failure of a streak is logged with its stack, the rest by their message.
                logger.LogWarning(backoff.Failures == 1 ? ex : null, "Outbox relay could not publish ({Error}); retrying in {Delay} (attempt {Failures})", ex.Message, delay, backoff.Failures);
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    private static readonly TimeSpan MinWait = TimeSpan.FromMilliseconds(1);

    /// <summary>How long to wait: <paramref name="longest"/>, or less when a delayed job is due sooner (then just past its time).</summary>
    private TimeSpan Until(DateTimeOffset? nextDue, TimeSpan longest)
    {
        if (nextDue is not { } due)
        {
            return longest;
        }
        // At least a millisecond: Npgsql reads a wait of zero as no time-out at all.
        var wait = due - clock.GetUtcNow() + TimeSpan.FromMilliseconds(1);
        return wait < MinWait ? MinWait : wait < longest ? wait : longest;
    }

    /// <summary>
    /// Sends one batch of outbox rows (<see cref="Outbox.TakeAsync"/> says which, within each
    /// tenant's fair share of the fleet) and commits what SQS accepted.
    /// </summary>
    internal async Task<RelayBatch> RelayBatchAsync(CancellationToken ct)
    {
        await using var batch = await outbox.TakeAsync(options.Value.BatchSize, ct);
        if (batch is null || batch.Rows.Count == 0)
        {
            return new RelayBatch(0, batch?.HeldBack ?? false);
        }

        var sent = new List<OutboxRow>(batch.Rows.Count);
        await Parallel.ForEachAsync(
            batch.Rows.GroupBy(row => (row.Queue, row.Priority)).SelectMany(queue => queue.Chunk(SqsTaskQueue.MaxBatchSize)),
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrentSends, CancellationToken = ct },
            async (chunk, token) =>
            {
                var accepted = await queue.SendBatchAsync(
                    chunk.Select(row => new OutboundTask(row.Message, row.Trace)).ToList(),
                    chunk[0].Queue, JobPriority.FromRank(chunk[0].Priority), token);
                lock (sent)
                {
                    sent.AddRange(accepted.Select(index => chunk[index]));
                }
            });
        await batch.SentAsync(sent, ct);

        if (sent.Count < batch.Rows.Count)
        {
            // Rows SQS refused stay in the outbox for the next pass.
            logger.LogWarning("SQS refused {Refused} of {Total} task messages; they stay in the outbox", batch.Rows.Count - sent.Count, batch.Rows.Count);
        }
        return new RelayBatch(sent.Count, batch.HeldBack);
    }
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
