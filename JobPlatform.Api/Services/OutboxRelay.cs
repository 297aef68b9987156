using Amazon.Runtime;
using Amazon.SQS;
using JobPlatform.Api.Data;
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
    SqsTaskQueue queue,
    IOptions<OutboxRelayOptions> options,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var listener = await dataSource.OpenConnectionAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresJobStore.OutboxChannel}", listener))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                while (!stoppingToken.IsCancellationRequested)
                {
                    // Drain first: rows committed before LISTEN took effect sent no notification we saw.
                    while (await RelayBatchAsync(stoppingToken) > 0)
                    {
                    }
                    if (failures > 0)
                    {
                        logger.LogInformation("Outbox relay recovered after {Failures} failed attempts", failures);
                        failures = 0;
                    }
                    await listener.WaitAsync(options.Value.PollInterval, stoppingToken);
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

    /// <summary>Sends one batch of outbox rows and returns how many were sent.</summary>
    internal async Task<int> RelayBatchAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var rows = new List<(long Id, TaskMessage Message)>();
        await using (var take = new NpgsqlCommand(
            "SELECT id, task_id, job_id FROM outbox_messages ORDER BY id LIMIT @limit FOR UPDATE SKIP LOCKED",
            connection, transaction))
        {
            take.Parameters.AddWithValue("limit", options.Value.BatchSize);
            await using var reader = await take.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows.Add((reader.GetInt64(0), new TaskMessage(reader.GetGuid(1), reader.GetGuid(2))));
            }
        }
        if (rows.Count == 0)
        {
            return 0;
        }

        // A message is sent before the rows are deleted: a crash in between sends it again, which
        // the claim's guard absorbs. The reverse order could lose a task.
        var sent = new List<(long Id, TaskMessage Message)>(rows.Count);
        await Parallel.ForEachAsync(
            rows.Chunk(SqsTaskQueue.MaxBatchSize),
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrentSends, CancellationToken = ct },
            async (chunk, token) =>
            {
                var accepted = await queue.SendBatchAsync(chunk.Select(row => row.Message).ToList(), token);
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
        return sent.Count;
    }

    private static bool IsTransient(Exception ex) =>
        ex is AmazonServiceException or AmazonClientException or HttpRequestException or NpgsqlException or TimeoutException
        || ex.InnerException is { } inner && IsTransient(inner);
}
