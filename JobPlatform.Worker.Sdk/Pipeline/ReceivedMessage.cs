using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace JobPlatform.Worker.Sdk.Pipeline;

/// <summary>
/// A message received from a task queue, on its way through the pipeline: claimed, run, reported,
/// deleted. It holds one of the worker's <see cref="TaskSlots"/> until <see cref="Done"/>.
/// </summary>
internal sealed class ReceivedMessage(Message message, string queueUrl, TaskSlots slots)
{
    private int _done;

    public Message Message { get; } = message;

    public string QueueUrl { get; } = queueUrl;

    /// <summary>The queue's name, for metrics and spans.</summary>
    public string Queue => SqsQueueUrls.NameOf(QueueUrl);

    /// <summary>How many times SQS has delivered the message (ApproximateReceiveCount).</summary>
    public int ReceiveCount =>
        Message.Attributes?.TryGetValue(MessageSystemAttributeName.ApproximateReceiveCount, out var count) == true
            ? int.Parse(count, CultureInfo.InvariantCulture)
            : 1;

    /// <summary>The pipeline is done with the message: its slot is free. Later calls do nothing.</summary>
    public void Done()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            slots.Free();
        }
    }
}
