using Amazon.SQS;
using Amazon.SQS.Model;

namespace JobPlatform.Worker;

/// <summary>
/// Deletes finished tasks' messages ten at a time (SQS's DeleteMessageBatch limit) rather than one
/// call each. Nobody waits for a delete: the task's slot is free once its report is in, and a delete
/// waits up to <see cref="Linger"/> for company (the message stays hidden for its visibility timeout
/// meanwhile). A delete that fails leaves the message to reappear after that timeout; its claim is
/// then refused, because the task is finished, and the message is deleted after all. Deletes still
/// waiting when the worker stops are sent before it exits.
/// </summary>
public sealed class MessageDeleter : IAsyncDisposable
{
    private const int MaxBatch = 10;
    private const int Concurrency = 2;

    /// <summary>How long a delete waits for others to share its call.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(50);

    private readonly ILogger<MessageDeleter> _logger;

    private readonly Batcher<(string QueueUrl, string ReceiptHandle), bool> _batcher;

    public MessageDeleter(IAmazonSQS sqs, WorkerMetrics metrics, ILogger<MessageDeleter> logger)
    {
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

    /// <summary>Queues the message's delete and returns at once; a failure is logged, and the message comes back later.</summary>
    public void Delete(string queueUrl, string receiptHandle) => _ = DeleteAsync(queueUrl, receiptHandle);

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
