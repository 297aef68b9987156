using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Options;
using Npgsql;

namespace JobPlatform.Api.Services;

/// <summary>
/// Reads the gauges <see cref="ApiMetrics"/> reports every <see cref="Interval"/>: SQS queue depths,
/// the outbox backlog and lag, and running tasks per tenant. Sampling here, not in the scrape,
/// keeps a slow dependency from stalling <c>/metrics</c>.
/// </summary>
public sealed class MetricsSampler(
    NpgsqlDataSource dataSource,
    IAmazonSQS sqs,
    SqsQueueUrls queueUrls,
    IOptions<SqsOptions> queues,
    ApiMetrics metrics,
    ILogger<MetricsSampler> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    // Queue URLs never change while the Api runs: looked up once, not on every sample.
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                metrics.Sample = await SampleAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is NpgsqlException or AmazonSQSException or Amazon.Runtime.AmazonClientException or HttpRequestException or TimeoutException)
            {
                // The last sample stays; /health says what is down.
                logger.LogDebug("Metrics sample failed: {Error}", ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<MetricsSample> SampleAsync(CancellationToken ct)
    {
        var depths = new List<(string, long, long)>();
        foreach (var name in queues.Value.TaskQueueNames.Append(queues.Value.DeadLetterQueueName))
        {
            var url = await queueUrls.GetAsync(name, ct);
            var attributes = await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest(url,
                [QueueAttributeName.ApproximateNumberOfMessages, QueueAttributeName.ApproximateNumberOfMessagesNotVisible]), ct);
            depths.Add((name, attributes.ApproximateNumberOfMessages, attributes.ApproximateNumberOfMessagesNotVisible));
        }

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM outbox_messages;
            SELECT tenant_id, count(*) FROM tasks WHERE status = 'running' GROUP BY tenant_id;
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (backlog, lag) = (reader.GetInt64(0), TimeSpan.FromSeconds(reader.GetDouble(1)));
        await reader.NextResultAsync(ct);
        var running = new List<(string, long)>();
        while (await reader.ReadAsync(ct))
        {
            running.Add((reader.GetString(0), reader.GetInt64(1)));
        }
        return new MetricsSample(depths, backlog, lag, running);
    }
}
