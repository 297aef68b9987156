using Amazon.SQS;
using Amazon.SQS.Model;
using JobPlatform.Contracts;

namespace JobPlatform.Worker.Sdk.Pipeline;

/// <summary>
/// The pipeline's last step: what becomes of a message once its task's fate is known. A finished
/// or retrying task's message is deleted (a retry waits out its backoff in the Api's database, which
/// sends the task again), a released one's goes back to the queue at once, and one whose task
/// another attempt holds now is left to that attempt's worker.
/// <para>
/// Deletes go ten at a time (SQS's DeleteMessageBatch limit) rather than one call each. Nobody waits
/// for a delete: the task's slot is free once its report is in, and a delete
/// waits up to <see cref="Linger"/> for company (the message stays hidden for its visibility timeout
/// meanwhile). A delete that fails leaves the message to reappear after that timeout; its claim is
/// then refused, because the task is finished, and the message is deleted after all. Deletes still
/// waiting when the worker stops are sent before it exits.
/// </para>
/// </summary>
internal sealed class MessageDeleter : IAsyncDisposable
{
    private const int MaxBatch = 10;

    // SQS caps a message's visibility timeout at 12 hours.
    private static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromHours(12);

    private readonly IAmazonSQS _sqs;
    private const int Concurrency = 2;

    /// <summary>How long a delete waits for others to share its call.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(50);

    private readonly ILogger<MessageDeleter> _logger;

    private readonly Batcher<(string QueueUrl, string ReceiptHandle), bool> _batcher;

    public MessageDeleter(IAmazonSQS sqs, WorkerMetrics metrics, ILogger<MessageDeleter> logger)
    {
        _sqs = sqs;
        _logger = logger;
        _batcher = new(async messages =>
        {
            var results = new bool[messages.Count];
            foreach (var queue in messages.Select((m, i) => (m.QueueUrl, m.ReceiptHandle, Index: i)).GroupBy(m => m.QueueUrl))
            {
                metrics.DeleteSent(SqsQueueUrls.NameOf(queue.Key), queue.Count());
                var response = await sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest(queue.Key,
                    queue.Select(m => new DeleteMessageBatchRequestEntry(m.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), m.ReceiptHandle)).ToList()));
                foreach (var deleted in response.Successful ?? [])
                {
                    results[int.Parse(deleted.Id, System.Globalization.CultureInfo.InvariantCulture)] = true;
                }
                foreach (var failed in response.Failed ?? [])
                {
                    _logger.LogWarning("SQS did not delete a message ({Code}: {Error}); it will be delivered again and dropped at its claim", failed.Code, failed.Message);
                }
            }
            return results;
        }, MaxBatch, Concurrency, linger: Linger);
    }

    /// <summary>
    /// Settles a run task's message by what the Api did with its report. Called once the attempt's
    /// heartbeat has stopped, so nothing changes the message's visibility after this.
    /// </summary>
    public async Task SettleAsync(ReceivedMessage message, TaskReportResult report)
    {
        if (report.Status is null || JobTaskStatus.Final.Contains(report.Status) || report is { Applied: true, Status: JobTaskStatus.Retrying })
        {
            // A retry waits out its backoff in the Api's database, which sends the task again when it
            // is due: this message has done its part.
            Delete(message.QueueUrl, message.Message.ReceiptHandle);
        }
        else if (report is { Applied: true, RetryAfter: { } delay })
        {
            // A released task goes back to the queue at once (its wait is zero), so another worker takes it.
            var seconds = (int)Math.Ceiling(Math.Min(delay.TotalSeconds, MaxVisibilityTimeout.TotalSeconds));
            await _sqs.ChangeMessageVisibilityAsync(new ChangeMessageVisibilityRequest(message.QueueUrl, message.Message.ReceiptHandle, seconds), CancellationToken.None);
        }
        // Otherwise another attempt holds the task now, and its worker owns the message's fate.
        message.Done();
    }

    /// <summary>A refused claim: the message's task has nothing for this copy to do.</summary>
    public void Drop(ReceivedMessage message)
    {
        Delete(message.QueueUrl, message.Message.ReceiptHandle);
        message.Done();
    }

    /// <summary>
    /// A message that is not a task message goes back to the queue at once: no retry can fix it, and
    /// the redrive policy then moves it to the dead-letter queue after maxReceiveCount receives
    /// instead of after as many visibility timeouts.
    /// </summary>
    public async Task ReturnAsync(ReceivedMessage message)
    {
        try
        {
            await _sqs.ChangeMessageVisibilityAsync(new ChangeMessageVisibilityRequest(message.QueueUrl, message.Message.ReceiptHandle, 0), CancellationToken.None);
        }
        catch (Exception ex)
        {
            _logger.LogWarning("Message {MessageId} could not be returned to the queue ({Error}); it reappears after its visibility timeout", message.Message.MessageId, ex.Message);
        }
        finally
        {
            message.Done();
        }
    }

    /// <summary>Queues the message's delete and returns at once; a failure is logged, and the message comes back later.</summary>
    private void Delete(string queueUrl, string receiptHandle) => _ = DeleteAsync(queueUrl, receiptHandle);

    private async Task DeleteAsync(string queueUrl, string receiptHandle)
    {
        try
        {
            await _batcher.SendAsync((queueUrl, receiptHandle));
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the message is only left in the queue: nobody awaits this to hear it.
            _logger.LogWarning("A message could not be deleted ({Error}); it will be delivered again and dropped at its claim", ex.Message);
        }
    }

    public ValueTask DisposeAsync() => _batcher.DisposeAsync();
}
