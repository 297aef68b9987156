using System.Diagnostics;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace JobPlatform.Worker;

/// <summary>
/// Receives from the task queues, one per priority, and hands each message to <see cref="TaskProcessor"/>,
/// running at most <see cref="WorkerOptions.MaxConcurrency"/> at once. It asks SQS only for as many
/// messages as it has free slots, so no message waits in this process while its visibility timeout runs
/// down. Each receive looks at the queues most urgent first, except that every few receives start lower
/// down, so low priorities still progress while the workers are saturated; when every queue is empty,
/// each loop long-polls its own queue, so a task of any priority starts at once on idle workers.
/// </summary>
public sealed class SqsTaskPoller(
    IAmazonSQS sqs,
    IServiceScopeFactory scopes,
    MessageDeleter deleter,
    WorkerMetrics metrics,
    IOptions<WorkerOptions> workerOptions,
    IOptions<SqsOptions> sqsOptions,
    TimeProvider clock,
    ILogger<SqsTaskPoller> logger) : BackgroundService
{
    private const int MaxMessagesPerReceive = 10;

    private readonly WorkerOptions _options = workerOptions.Value;
    private readonly SemaphoreSlim _slots = new(workerOptions.Value.MaxConcurrency);
    private readonly CancellationTokenSource _drained = new();

    /// <summary>One receive loop at a time gathers slots (see <see cref="TakeSlotsAsync"/>).</summary>
    private readonly SemaphoreSlim _gathering = new(1, 1);

    /// <summary>Messages received and not yet done with: each holds a slot.</summary>
    private int _inFlight;

    /// <summary>Whether tasks received here are not done yet (so slots will free up soon).</summary>
    private bool TasksInFlight => Volatile.Read(ref _inFlight) > 0;
    private readonly PriorityOrder _order = new();

    /// <summary>The longest long poll while tasks run on this worker.</summary>
    private static readonly TimeSpan BusyWaitTime = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Slots one loop may hold while it long-polls: an equal share of half the slots, so no loop waits
    /// for another's and half are always left for tasks.
    /// </summary>
    private readonly int _longPollShare = Math.Max(1, workerOptions.Value.MaxConcurrency / (2 * workerOptions.Value.Pollers * JobPriority.All.Count));

    /// <summary>When each queue was last found empty by a quick look, so busy loops do not ask it again at once.</summary>
    private readonly long[] _emptySince = new long[JobPriority.All.Count];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queueUrls = new List<string>();
        foreach (var name in sqsOptions.Value.TaskQueueNames)
        {
            queueUrls.Add(await GetQueueUrlAsync(name, stoppingToken));
        }
        logger.LogInformation("Worker {WorkerId} receiving from {Queues} with {Concurrency} slots", _options.WorkerId, string.Join(", ", queueUrls), _options.MaxConcurrency);
        await Task.WhenAll(queueUrls.Index().SelectMany(home => Enumerable.Range(0, _options.Pollers).Select(_ => PollAsync(queueUrls, home.Index, stoppingToken))));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop receiving, then let running tasks finish for the drain timeout before cancelling them.
        var stopped = base.StopAsync(cancellationToken);
        _drained.CancelAfter(_options.DrainTimeout);
        await stopped;
        while (_slots.CurrentCount < _options.MaxConcurrency && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
        }
    }

    private async Task PollAsync(IReadOnlyList<string> queueUrls, int home, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            SlotLease lease;
            try
            {
                lease = await TakeSlotsAsync(stoppingToken);
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
            catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException)
            {
                lease.KeepAtMost(0);
                logger.LogWarning("Receive from SQS failed ({Error}); retrying in {Delay}", ex.Message, _options.ReceiveErrorDelay);
                await Task.Delay(_options.ReceiveErrorDelay, CancellationToken.None);
                continue;
            }

            // Each message received keeps its slot until its task is done.
            lease.KeepAtMost(messages.Count);
            Interlocked.Add(ref _inFlight, lease.Count);
            if (messages.Count > 0)
            {
                // Back to receiving at once; the slots taken bound how much is in flight.
                _ = ClaimAndRunAsync(messages, queueUrl);
            }
        }
    }

    /// <summary>
    /// The slots for one receive. While tasks run here, slots free one at a time as they finish, and a
    /// receive that took only those would bring a message or two per call: so one loop at a time
    /// gathers them, for up to <see cref="WorkerOptions.ReceiveLinger"/>, before it asks SQS. With
    /// nothing running here, nothing is waited for: a task arriving at an idle worker starts at once.
    /// </summary>
    private async Task<SlotLease> TakeSlotsAsync(CancellationToken ct)
    {
        await _gathering.WaitAsync(ct);
        SlotLease? lease = null;
        try
        {
            lease = await SlotLease.TakeAsync(_slots, MaxMessagesPerReceive, ct);
            if (lease.Count < MaxMessagesPerReceive / 2 && TasksInFlight)
            {
                await lease.GrowAsync(MaxMessagesPerReceive, _options.ReceiveLinger, clock, ct);
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

    /// <summary>A message's task is done (or was never ours): its slot is free.</summary>
    private void ReleaseSlot()
    {
        Interlocked.Decrement(ref _inFlight);
        _slots.Release();
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
        foreach (var queue in _order.Next())
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
        var wait = TasksInFlight && _options.ReceiveWaitTime > BusyWaitTime ? BusyWaitTime : _options.ReceiveWaitTime;
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
            MessageSystemAttributeNames = [MessageSystemAttributeName.ApproximateReceiveCount, SqsMessageAge.SentTimestamp],
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
                if (SqsMessageAge.Of(message, now) is { } age)
                {
                    metrics.Received(queue, age);
                }
            }
        }
        return messages;
    }

    /// <summary>
    /// Claims every task of one receive in one call, then runs the granted ones. A refused claim
    /// (finished, cancelled, leased to another worker, unknown) means this copy has nothing to do.
    /// </summary>
    private async Task ClaimAndRunAsync(List<Message> messages, string queueUrl)
    {
        // One receive, claimed in one call: its span continues the first message's trace and links
        // the others', so the claim and its SQL show in the job's trace.
        var traces = messages.Select(TaskTracing.Extract).ToList();
        using var receive = TaskTracing.StartMessaging("receive", SqsQueueUrls.NameOf(queueUrl), ActivityKind.Client, traces[0],
            traces.Skip(1).Where(t => t != default && t.TraceId != traces[0].TraceId).Select(t => new ActivityLink(t)));
        receive?.SetTag(TaskTracing.MessagingBatchCount, messages.Count);
        receive?.SetTag(TaskTracing.WorkerId, _options.WorkerId);

        // The processor of the first message reads them all: it is transient and holds no state per message.
        await using var scope = scopes.CreateAsyncScope();
        var reader = scope.ServiceProvider.GetRequiredService<TaskProcessor>();
        var received = new List<(Message Message, TaskClaimItem Claim)>(messages.Count);
        foreach (var message in messages)
        {
            try
            {
                if (await reader.ReadAsync(message, queueUrl) is { } task)
                {
                    received.Add((message, new TaskClaimItem(task.TaskId, Guid.CreateVersion7(), ReceiveCount(message))));
                    continue;
                }
            }
            catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException)
            {
                logger.LogWarning("Message {MessageId} could not be returned to the queue ({Error}); it reappears after its visibility timeout", message.MessageId, ex.Message);
            }
            ReleaseSlot();
        }
        if (received.Count == 0)
        {
            return;
        }

        // Each claim joins whatever batch the other loops' receives are filling.
        var claimer = scope.ServiceProvider.GetRequiredService<TaskClaimer>();
        var claims = received.Select(r => claimer.ClaimAsync(r.Claim)).ToList();
        for (var i = 0; i < received.Count; i++)
        {
            var (message, _) = received[i];
            TaskClaimResult result;
            try
            {
                result = await claims[i];
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // Not claimed for sure: the message reappears after its visibility timeout.
                logger.LogWarning("Claiming task {TaskId} failed ({Error}); its message will be delivered again", received[i].Claim.TaskId, ex.Message);
                ReleaseSlot();
                continue;
            }
            if (result.Grant is { } grant)
            {
                // Each task runs in a span of its own (its job's trace), which outlives the receive's.
                _ = RunAsync(message, grant, queueUrl, receive?.Context ?? default);
                continue;
            }
            logger.LogDebug("Claim of task {TaskId} refused (task is {Status}); dropping its message", result.TaskId, result.TaskStatus ?? "unknown");
            Drop(message, queueUrl);
        }
    }

    private async Task RunAsync(Message message, TaskGrant claim, string queueUrl, ActivityContext receive)
    {
        try
        {
            // A scope per task: the processor's typed HttpClient is short-lived by design.
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<TaskProcessor>().ProcessAsync(message, claim, queueUrl, receive, _drained.Token);
        }
        catch (Exception ex)
        {
            // The message stays in the queue and reappears after its visibility timeout.
            logger.LogWarning(ex, "Task {TaskId} was not finished and its message will be delivered again: {Error}", claim.TaskId, ex.Message);
        }
        finally
        {
            ReleaseSlot();
        }
    }

    private void Drop(Message message, string queueUrl)
    {
        deleter.Delete(queueUrl, message.ReceiptHandle);
        ReleaseSlot();
    }

    private static int ReceiveCount(Message message) =>
        message.Attributes?.TryGetValue(MessageSystemAttributeName.ApproximateReceiveCount, out var count) == true
            ? int.Parse(count, System.Globalization.CultureInfo.InvariantCulture)
            : 1;

    private async Task<string> GetQueueUrlAsync(string queueName, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                var response = await sqs.GetQueueUrlAsync(new GetQueueUrlRequest { QueueName = queueName }, stoppingToken);
                return response.QueueUrl;
            }
            catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException)
            {
                logger.LogWarning("Task queue {Queue} not reachable yet ({Error}); retrying", queueName, ex.Message);
                await Task.Delay(_options.ReceiveErrorDelay, stoppingToken);
            }
        }
    }

    public override void Dispose()
    {
        _drained.Dispose();
        _gathering.Dispose();
        _slots.Dispose();
        base.Dispose();
    }
}
