using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace JobPlatform.Worker;

/// <summary>
/// Long-polls the task queue and hands each message to <see cref="TaskProcessor"/>, running at most
/// <see cref="WorkerOptions.MaxConcurrency"/> at once. It asks SQS only for as many messages as it has
/// free slots, so no message waits in this process while its visibility timeout runs down.
/// </summary>
public sealed class SqsTaskPoller(
    IAmazonSQS sqs,
    IServiceScopeFactory scopes,
    MessageDeleter deleter,
    IOptions<WorkerOptions> workerOptions,
    IOptions<SqsOptions> sqsOptions,
    ILogger<SqsTaskPoller> logger) : BackgroundService
{
    private const int MaxMessagesPerReceive = 10;

    private readonly WorkerOptions _options = workerOptions.Value;
    private readonly SemaphoreSlim _slots = new(workerOptions.Value.MaxConcurrency);
    private readonly CancellationTokenSource _drained = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queueUrl = await GetQueueUrlAsync(stoppingToken);
        logger.LogInformation("Worker {WorkerId} polling {Queue} with {Concurrency} slots", _options.WorkerId, queueUrl, _options.MaxConcurrency);
        await Task.WhenAll(Enumerable.Range(0, _options.Pollers).Select(_ => PollAsync(queueUrl, stoppingToken)));
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

    private async Task PollAsync(string queueUrl, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _slots.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var taken = 1;
            while (taken < MaxMessagesPerReceive && _slots.Wait(0))
            {
                taken++;
            }

            List<Message> messages;
            try
            {
                var response = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
                {
                    QueueUrl = queueUrl,
                    MaxNumberOfMessages = taken,
                    WaitTimeSeconds = (int)_options.ReceiveWaitTime.TotalSeconds,
                    VisibilityTimeout = (int)_options.VisibilityTimeout.TotalSeconds,
                    MessageSystemAttributeNames = [MessageSystemAttributeName.ApproximateReceiveCount],
                }, stoppingToken);
                messages = response.Messages ?? [];
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                _slots.Release(taken);
                return;
            }
            catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException)
            {
                _slots.Release(taken);
                logger.LogWarning("Receive from SQS failed ({Error}); retrying in {Delay}", ex.Message, _options.ReceiveErrorDelay);
                await Task.Delay(_options.ReceiveErrorDelay, CancellationToken.None);
                continue;
            }

            if (taken > messages.Count)
            {
                _slots.Release(taken - messages.Count);
            }
            if (messages.Count > 0)
            {
                // Back to receiving at once; the slots taken bound how much is in flight.
                _ = ClaimAndRunAsync(messages, queueUrl);
            }
        }
    }

    /// <summary>
    /// Claims every task of one receive in one call, then runs the granted ones. A refused claim
    /// (finished, cancelled, leased to another worker, unknown) means this copy has nothing to do.
    /// </summary>
    private async Task ClaimAndRunAsync(List<Message> messages, string queueUrl)
    {
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
            _slots.Release();
        }
        if (received.Count == 0)
        {
            return;
        }

        IReadOnlyList<TaskClaimResult> results;
        try
        {
            results = await scope.ServiceProvider.GetRequiredService<JobPlatformApiClient>().ClaimTasksAsync(
                new ClaimTasksRequest(_options.WorkerId, received.Select(r => r.Claim).ToList(), _options.VisibilityTimeout), _drained.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            // Nothing was claimed for sure: the messages reappear after their visibility timeout.
            logger.LogWarning("Claiming {Count} tasks failed ({Error}); their messages will be delivered again", received.Count, ex.Message);
            _slots.Release(received.Count);
            return;
        }

        for (var i = 0; i < received.Count; i++)
        {
            var (message, _) = received[i];
            if (results[i].Grant is { } grant)
            {
                _ = RunAsync(message, grant, queueUrl);
                continue;
            }
            logger.LogDebug("Claim of task {TaskId} refused (task is {Status}); dropping its message", results[i].TaskId, results[i].TaskStatus ?? "unknown");
            _ = DropAsync(message, queueUrl);
        }
    }

    private async Task RunAsync(Message message, ClaimTaskResponse claim, string queueUrl)
    {
        try
        {
            // A scope per task: the processor's typed HttpClient is short-lived by design.
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<TaskProcessor>().ProcessAsync(message, claim, queueUrl, _drained.Token);
        }
        catch (Exception ex)
        {
            // The message stays in the queue and reappears after its visibility timeout.
            logger.LogWarning(ex, "Task {TaskId} was not finished and its message will be delivered again: {Error}", claim.TaskId, ex.Message);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task DropAsync(Message message, string queueUrl)
    {
        try
        {
            await deleter.DeleteAsync(queueUrl, message.ReceiptHandle);
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException)
        {
            logger.LogWarning("Message {MessageId} could not be deleted ({Error}); it will be delivered again and dropped then", message.MessageId, ex.Message);
        }
        finally
        {
            _slots.Release();
        }
    }

    private static int ReceiveCount(Message message) =>
        message.Attributes?.TryGetValue(MessageSystemAttributeName.ApproximateReceiveCount, out var count) == true
            ? int.Parse(count, System.Globalization.CultureInfo.InvariantCulture)
            : 1;

    private async Task<string> GetQueueUrlAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                var response = await sqs.GetQueueUrlAsync(new GetQueueUrlRequest { QueueName = sqsOptions.Value.TaskQueueName }, stoppingToken);
                return response.QueueUrl;
            }
            catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or HttpRequestException)
            {
                logger.LogWarning("Task queue {Queue} not reachable yet ({Error}); retrying", sqsOptions.Value.TaskQueueName, ex.Message);
                await Task.Delay(_options.ReceiveErrorDelay, stoppingToken);
            }
        }
    }

    public override void Dispose()
    {
        _drained.Dispose();
        _slots.Dispose();
        base.Dispose();
    }
}
