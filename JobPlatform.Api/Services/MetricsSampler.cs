using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Options;
using JobPlatform.Api.Data;
using JobPlatform.Api.Lifecycle;
using JobPlatform.Contracts;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace JobPlatform.Api.Services;

/// <summary>
/// Reads the gauges <see cref="ApiMetrics"/> reports every <see cref="Interval"/>: SQS queue depths,
/// the outbox backlog and lag, and running tasks per tenant. Sampling here, not in the scrape,
/// keeps a slow dependency from stalling <c>/metrics</c>.
/// </summary>
public sealed class MetricsSampler(
    Outbox outbox,
    QueueDirectory queueDirectory,
    IServiceScopeFactory scopes,
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
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
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
        // Every queue's SQS queues, by name: a queue not made yet has no depth to show.
        var names = (await queueDirectory.KnownAsync(ct)).SelectMany(queues.Value.TaskQueueNamesOf).Append(queues.Value.DeadLetterQueueName);
        foreach (var name in names)
        {
            string url;
            try
            {
                url = await queueUrls.GetAsync(name, ct);
            }
            catch (QueueDoesNotExistException) when (name != queues.Value.TaskQueueName)
            {
                continue;
            }
            GetQueueAttributesResponse attributes;
            try
            {
                attributes = await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest(url,
                    [QueueAttributeName.ApproximateNumberOfMessages, QueueAttributeName.ApproximateNumberOfMessagesNotVisible]), ct);
            }
            catch (QueueDoesNotExistException)
            {
                // Gone since it was looked up; the relay makes it again when it next sends to it.
                queueUrls.Forget(name);
                continue;
            }
            depths.Add((name, attributes.ApproximateNumberOfMessages, attributes.ApproximateNumberOfMessagesNotVisible));
        }

        var (backlog, lag) = await outbox.BacklogAsync(ct);
        await using var scope = scopes.CreateAsyncScope();
        var running = await scope.ServiceProvider.GetRequiredService<JobsDbContext>().Tasks.IgnoreQueryFilters().AsNoTracking()
            .Where(t => t.Status == JobTaskStatus.Running)
            .GroupBy(t => t.TenantId)
            .Select(g => new { Tenant = g.Key, Count = g.LongCount() })
            .ToListAsync(ct);
        return new MetricsSample(depths, backlog, lag, running.Select(r => (r.Tenant, r.Count)).ToList());
    }
}
