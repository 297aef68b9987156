using Amazon.SQS;
using Amazon.SQS.Model;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace JobPlatform.Worker.Sdk.Pipeline;

/// <summary>
/// The pipeline's first step: receives from the SQS queues of this worker's queues
/// (<see cref="WorkerQueues"/>), one per priority each, and hands each receive to <see cref="TaskClaimer"/>. It asks SQS only for as many messages as it has free
/// <see cref="TaskSlots"/>, so no message waits in this process while its visibility timeout runs
/// down. Each receive looks at the queues most urgent first, except that every few receives start lower
/// down, so low priorities still progress while the workers are saturated; within a priority, each
/// receive starts at the next of the worker's queues. When every queue is empty, each loop long-polls
/// its own queue, so a task of any priority or queue starts at once on idle workers.
/// </summary>
internal sealed class MessageReceiver(
    IAmazonSQS sqs,
    TaskSlots slots,
    TaskClaimer claimer,
    ClaimBackoff backoff,
    WorkerMetrics metrics,
    WorkerQueues queues,
    SqsQueueUrls sqsQueueUrls,
    IOptions<WorkerOptions> workerOptions,
    IOptions<SqsOptions> queueOptions,
    TimeProvider clock,
    ILogger<MessageReceiver> logger) : BackgroundService
{
    private const int MaxMessagesPerReceive = 10;

    private readonly WorkerOptions _options = workerOptions.Value;

    /// <summary>One receive loop at a time gathers slots (see <see cref="TakeSlotsAsync"/>).</summary>
    private readonly SemaphoreSlim _gathering = new(1, 1);

    private readonly PriorityOrder _order = new();

    /// <summary>The longest long poll while tasks run on this worker.</summary>
    private static readonly TimeSpan BusyWaitTime = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Slots one loop may hold while it long-polls: an equal share of half the slots, so no loop waits
    /// for another's and half are always left for tasks.
    /// </summary>
    private readonly int _longPollShare = Math.Max(1, workerOptions.Value.MaxConcurrency / (2 * workerOptions.Value.Pollers * JobPriority.All.Count * queues.Names.Count));

    /// <summary>When each SQS queue was last found empty by a quick look, so busy loops do not ask it again at once.</summary>
    private readonly long[] _emptySince = new long[JobPriority.All.Count * queues.Names.Count];

    /// <summary>Which of the worker's queues a receive looks at first within a priority: the next each time.</summary>
    private int _firstQueue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // By priority rank, then by queue: SQS queue i is priority i / N of queue i % N.
        var queueUrls = new List<string>();
        foreach (var priority in JobPriority.All)
        {
            foreach (var queue in queues.Names)
            {
                queueUrls.Add(await GetQueueUrlAsync(queueOptions.Value.TaskQueueNameFor(queue, priority), stoppingToken));
            }
        }
        logger.LogInformation("Worker {WorkerId} receiving from queues {Queues} ({SqsQueues}) with {Concurrency} slots",
            _options.WorkerId, string.Join(", ", queues.Names), string.Join(", ", queueUrls.Select(SqsQueueUrls.NameOf)), _options.MaxConcurrency);
        await Task.WhenAll(queueUrls.Index().SelectMany(home => Enumerable.Range(0, _options.Pollers).Select(_ => PollAsync(queueUrls, home.Index, stoppingToken))));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop receiving, then let running tasks finish for the drain timeout before giving them back.
        var stopped = base.StopAsync(cancellationToken);
        var drained = slots.DrainAsync(_options.DrainTimeout, cancellationToken);
        await stopped;
        await drained;
    }

    private async Task PollAsync(IReadOnlyList<string> queueUrls, int home, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            SlotLease lease;
            try
            {
                // While claims fail, one message at a time, after a backoff.
                lease = await TakeSlotsAsync(await backoff.WaitAsync(MaxMessagesPerReceive, stoppingToken), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            List<Message> messages;
            string queueUrl;
            try
            {
                (messages, queueUrl) = await ReceiveAsync(queueUrls, home, lease, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                lease.KeepAtMost(0);
                return;
            }
            catch (Exception ex)
            {
                lease.KeepAtMost(0);
                logger.LogWarning("Receive from SQS failed ({Error}); retrying in {Delay}", ex.Message, _options.ReceiveErrorDelay);
                await Task.Delay(_options.ReceiveErrorDelay, CancellationToken.None);
                if (ex is QueueDoesNotExistException)
                {
                    await RemakeQueuesAsync(queueUrls, stoppingToken);
                }
                continue;
            }

            // Each message received keeps its slot until the pipeline is done with it.
            var received = slots.Hold(lease, messages, queueUrl);
            if (received.Count > 0)
            {
                // Back to receiving at once; the slots taken bound how much is in flight.
                claimer.Claim(received);
            }
        }
    }

    /// <summary>
    /// The slots for one receive. While tasks run here, slots free one at a time as they finish, and a
    /// receive that took only those would bring a message or two per call: so one loop at a time
    /// gathers them, for up to <see cref="WorkerOptions.ReceiveLinger"/>, before it asks SQS. With
    /// nothing running here, nothing is waited for: a task arriving at an idle worker starts at once.
    /// </summary>
    private async Task<SlotLease> TakeSlotsAsync(int most, CancellationToken ct)
    {
        await _gathering.WaitAsync(ct);
        SlotLease? lease = null;
        try
        {
            lease = await slots.TakeAsync(most, ct);
            if (lease.Count < most / 2 && slots.AnyHeld)
            {
                await lease.GrowAsync(most, _options.ReceiveLinger, clock, ct);
            }
            return lease;
        }
        catch (OperationCanceledException)
        {
            lease?.KeepAtMost(0);
            throw;
        }
        finally
        {
            _gathering.Release();
        }
    }

    /// <summary>
    /// A quick look at each queue in this receive's priority order, skipping queues found empty a
    /// moment ago; then, when none had anything, a long poll of the loop's own queue. A long poll
    /// holds only this loop's share of the slots, so every loop can wait on its queue at once, and
    /// lasts a second at most while tasks run here, so a loop waiting on a quiet queue soon looks
    /// at the busy ones again.
    /// </summary>
    private async Task<(List<Message> Messages, string QueueUrl)> ReceiveAsync(
        IReadOnlyList<string> queueUrls, int home, SlotLease lease, CancellationToken ct)
    {
        var now = clock.GetTimestamp();
        var count = queues.Names.Count;
        var start = count == 1 ? 0 : (int)((uint)Interlocked.Increment(ref _firstQueue) % count);
        foreach (var queue in _order.Next().SelectMany(rank => Enumerable.Range(0, count).Select(i => rank * count + (start + i) % count)))
        {
            if (clock.GetElapsedTime(Volatile.Read(ref _emptySince[queue]), now) < _options.EmptyQueueRecheck)
            {
                continue;
            }
            var messages = await ReceiveFromAsync(queueUrls[queue], lease.Count, TimeSpan.Zero, ct);
            if (messages.Count > 0)
            {
                return (messages, queueUrls[queue]);
            }
            Volatile.Write(ref _emptySince[queue], clock.GetTimestamp());
        }
        lease.KeepAtMost(_longPollShare);
        // While tasks run here, a long poll is kept short so the loop soon looks at the busy queues again.
        var wait = slots.AnyHeld && _options.ReceiveWaitTime > BusyWaitTime ? BusyWaitTime : _options.ReceiveWaitTime;
        var waited = await ReceiveFromAsync(queueUrls[home], lease.Count, wait, ct);
        if (waited.Count < lease.Count)
        {
            // The queue had less than asked for: it is drained for now.
            Volatile.Write(ref _emptySince[home], clock.GetTimestamp());
        }
        return (waited, queueUrls[home]);
    }

    private async Task<List<Message>> ReceiveFromAsync(string queueUrl, int count, TimeSpan wait, CancellationToken ct)
    {
        var response = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = queueUrl,
            MaxNumberOfMessages = count,
            WaitTimeSeconds = (int)wait.TotalSeconds,
            VisibilityTimeout = (int)_options.VisibilityTimeout.TotalSeconds,
            MessageSystemAttributeNames = [MessageSystemAttributeName.ApproximateReceiveCount, MessageSystemAttributeName.SentTimestamp],
            // The trace context the outbox relay put on each message.
            MessageAttributeNames = ["All"],
        }, ct);
        var messages = response.Messages ?? [];
        var queue = SqsQueueUrls.NameOf(queueUrl);
        metrics.ReceiveReturned(queue, messages.Count);
        if (messages.Count > 0)
        {
            var now = clock.GetUtcNow();
            foreach (var message in messages)
            {
                metrics.Received(queue, message, now);
            }
        }
        return messages;
    }

    /// <summary>
    /// Makes this worker's task queues again after SQS said one does not exist (an emulator that
    /// restarted empty, a queue deleted by hand): a queue's URL follows from its name, so the same
    /// URLs then work again. The deployment's own queues are made again by the deployment.
    /// </summary>
    private async Task RemakeQueuesAsync(IReadOnlyList<string> queueUrls, CancellationToken ct)
    {
        foreach (var queueName in queueUrls.Select(SqsQueueUrls.NameOf))
        {
            sqsQueueUrls.Forget(queueName);
            try
            {
                await sqsQueueUrls.GetOrCreateTaskQueueAsync(queueName, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogWarning("Task queue {Queue} cannot be made again yet ({Error})", queueName, ex.Message);
            }
        }
    }

    private async Task<string> GetQueueUrlAsync(string queueName, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                return await sqsQueueUrls.GetOrCreateTaskQueueAsync(queueName, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Task queue {Queue} not reachable yet ({Error}); retrying", queueName, ex.Message);
                await Task.Delay(_options.ReceiveErrorDelay, stoppingToken);
            }
        }
    }

    public override void Dispose()
    {
        _gathering.Dispose();
        base.Dispose();
    }
}
