using Amazon.SQS;
using Amazon.SQS.Model;

namespace JobPlatform.Worker;

/// <summary>
/// Deletes finished tasks' messages ten at a time (SQS's DeleteMessageBatch limit) rather than one
/// call each. A delete that fails leaves the message to reappear after its visibility timeout; its
/// claim is then refused, because the task is finished, and the message is deleted after all.
/// </summary>
public sealed class MessageDeleter : IAsyncDisposable
{
    private const int MaxBatch = 10;
    private const int Concurrency = 4;

    private readonly Batcher<(string QueueUrl, string ReceiptHandle), bool> _batcher;

    public MessageDeleter(IAmazonSQS sqs, ILogger<MessageDeleter> logger)
    {
        _batcher = new(async messages =>
        {
            var results = new bool[messages.Count];
            foreach (var queue in messages.Select((m, i) => (m.QueueUrl, m.ReceiptHandle, Index: i)).GroupBy(m => m.QueueUrl))
            {
                var response = await sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest(queue.Key,
                    queue.Select(m => new DeleteMessageBatchRequestEntry(m.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), m.ReceiptHandle)).ToList()));
                foreach (var deleted in response.Successful ?? [])
                {
                    results[int.Parse(deleted.Id, System.Globalization.CultureInfo.InvariantCulture)] = true;
                }
                foreach (var failed in response.Failed ?? [])
                {
                    logger.LogWarning("SQS did not delete a message ({Code}: {Error}); it will be delivered again and dropped at its claim", failed.Code, failed.Message);
                }
            }
            return results;
        }, MaxBatch, Concurrency);
    }

    /// <summary>Deletes the message; false when SQS refused (the message comes back later).</summary>
    public Task<bool> DeleteAsync(string queueUrl, string receiptHandle) => _batcher.SendAsync((queueUrl, receiptHandle));

    public ValueTask DisposeAsync() => _batcher.DisposeAsync();
}
