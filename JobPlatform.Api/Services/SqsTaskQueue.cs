using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace JobPlatform.Api.Services;

/// <summary>Sends task messages to the SQS task queue of their priority.</summary>
public sealed class SqsTaskQueue(IAmazonSQS sqs, SqsQueueUrls queueUrls, IOptions<SqsOptions> options)
{
    /// <summary>SQS takes at most ten messages in one SendMessageBatch.</summary>
    public const int MaxBatchSize = 10;

    /// <summary>Sends up to ten messages of one priority and returns the indexes of those SQS accepted.</summary>
    public async Task<IReadOnlyList<int>> SendBatchAsync(IReadOnlyList<TaskMessage> messages, string priority, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(messages.Count, MaxBatchSize);
        var request = new SendMessageBatchRequest
        {
            QueueUrl = await queueUrls.GetAsync(options.Value.TaskQueueNameFor(priority), ct),
            Entries = messages
                .Select((message, index) => new SendMessageBatchRequestEntry(
                    index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    JsonSerializer.Serialize(message, JsonSerializerOptions.Web)))
                .ToList(),
        };
        var response = await sqs.SendMessageBatchAsync(request, ct);
        return (response.Successful ?? [])
            .Select(entry => int.Parse(entry.Id, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
    }
}
