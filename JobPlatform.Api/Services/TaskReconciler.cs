using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using JobPlatform.Api.Data;
using JobPlatform.Api.Lifecycle;
using Microsoft.Extensions.Options;
using Npgsql;

namespace JobPlatform.Api.Services;

/// <summary>Options for <see cref="TaskReconciler"/>. Bound from <c>TaskReconciler</c>.</summary>
public sealed class TaskReconcilerOptions
{
    public const string SectionName = "TaskReconciler";

    /// <summary>How often the reconciler looks. Defaults to 15 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long past its lease a running task waits for a late heartbeat before it is taken back. Defaults to 5 s.</summary>
    public TimeSpan LeaseGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a task may sit queued, while the queue holds no message at all, before its message is
    /// presumed lost and sent again. Defaults to 10 min (longer than the longest retry backoff's default).
    /// </summary>
    public TimeSpan LostMessageAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Tasks rescued in one pass. Defaults to 1,000.</summary>
    public int BatchSize { get; set; } = 1_000;
}

/// <summary>
/// Heals what the happy path cannot: tasks whose worker vanished (lease expired, no report), tasks
/// whose message was lost (an emulator restart), unfinished tasks of failed or cancelled jobs that a
/// busy moment skipped, and jobs whose last task finished without finishing the job. One Api replica at a time does this, by an advisory lock.
/// </summary>
public sealed class TaskReconciler(
    Reconciliation reconciliation,
    QueueDirectory queues,
    IAmazonSQS sqs,
    SqsQueueUrls queueUrls,
    IOptions<SqsOptions> sqsOptions,
    IOptions<TaskReconcilerOptions> options,
    IOptions<TaskLeaseOptions> lease,
    TimeProvider clock,
    ApiMetrics metrics,
    ILogger<TaskReconciler> logger) : BackgroundService
{
    /// <summary>The shortest time workers are given to renew their leases after a start or a gap.</summary>
    public static readonly TimeSpan MinRenewalWindow = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A lease that ran out while no one could renew it says nothing about its worker. So leases
        // are taken back only once workers have had a whole lease, with this replica answering, to
        // renew theirs: not in the first lease after a start, nor after a gap in this loop longer
        // than a lease (the process was stopped or starved, as a stalled Api is). A worker's calls go
        // through its HTTP pipeline, whose circuit breaker, opened by the outage, refuses them for
        // a while after the Api is back (5 s by default): so that wait is never shorter than
        // MinRenewalWindow, however short the lease.
        var renewalWindow = lease.Value.Duration > MinRenewalWindow ? lease.Value.Duration : MinRenewalWindow;
        var answeringSince = clock.GetTimestamp();
        var lastTick = answeringSince;
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = clock.GetTimestamp();
            if (clock.GetElapsedTime(lastTick, now) > options.Value.Interval + lease.Value.Duration)
            {
                logger.LogWarning("The reconciler did not run for {Gap:0} s; leases are not taken back for {Window:0} s, so that workers can renew theirs first",
                    clock.GetElapsedTime(lastTick, now).TotalSeconds, renewalWindow.TotalSeconds);
                answeringSince = now;
            }
            lastTick = now;
            var leaseGrace = clock.GetElapsedTime(answeringSince, now) >= renewalWindow ? options.Value.LeaseGrace : (TimeSpan?)null;
            try
            {
                var emptyQueues = await EmptyQueuesAsync(stoppingToken);
                var result = await reconciliation.ReconcileAsync(leaseGrace, options.Value.LostMessageAfter, emptyQueues, options.Value.BatchSize, stoppingToken);
                if (result is { } counted)
                {
                    metrics.LeasesExpired(counted.Requeued + counted.Failed);
                    metrics.DeadLettered(counted.Failed);
                }
                if (result is { } r && r.Total > 0)
                {
                    logger.LogWarning(
                        "Reconciled: {Requeued} tasks whose worker was lost queued again, {Failed} dead-lettered (their last attempt lost its worker), {Resent} lost messages sent again, {Cancelled} leftovers of failed or cancelled jobs cancelled, {Jobs} jobs finished",
                        r.Requeued, r.Failed, r.Resent, r.Cancelled, r.JobsFinished);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Reconciliation pass failed ({Error}); trying again in {Interval}", ex.Message, options.Value.Interval);
            }
        }
    }

    /// <summary>
    /// The queues in use whose SQS queues hold nothing at all: only there can a long-queued task's
    /// message be known lost; a busy queue may simply hold it behind others. A queue not made yet
    /// holds nothing.
    /// </summary>
    private async Task<IReadOnlyList<string>> EmptyQueuesAsync(CancellationToken ct)
    {
        var empty = new List<string>();
        foreach (var queue in await queues.InUseAsync(ct))
        {
            if (await IsEmptyAsync(queue, ct))
            {
                empty.Add(queue);
            }
        }
        return empty;
    }

    private async Task<bool> IsEmptyAsync(string queue, CancellationToken ct)
    {
        foreach (var queueName in sqsOptions.Value.TaskQueueNamesOf(queue))
        {
            string queueUrl;
            try
            {
                queueUrl = await queueUrls.GetAsync(queueName, ct);
            }
            catch (QueueDoesNotExistException)
            {
                continue;
            }
            Dictionary<string, string> attributes;
            try
            {
                attributes = (await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
                {
                    QueueUrl = queueUrl,
                    AttributeNames =
                    [
                        QueueAttributeName.ApproximateNumberOfMessages,
                        QueueAttributeName.ApproximateNumberOfMessagesNotVisible,
                        QueueAttributeName.ApproximateNumberOfMessagesDelayed,
                    ],
                }, ct)).Attributes ?? [];
            }
            catch (QueueDoesNotExistException)
            {
                // Gone since it was looked up (an emulator that restarted empty): it holds nothing,
                // and the relay makes it again when it sends what was lost.
                queueUrls.Forget(queueName);
                continue;
            }
            if (!attributes.Values.All(value => value == "0"))
            {
                return false;
            }
        }
        return true;
    }
}
