using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace JobPlatform.Api.Services;

/// <summary>A task message on its way to SQS, with the trace of the job it belongs to (default when untraced).</summary>
public readonly record struct OutboundTask(TaskMessage Message, ActivityContext JobTrace);

/// <summary>Sends task messages to the SQS task queue of their queue and priority.</summary>
public sealed class SqsTaskQueue(IAmazonSQS sqs, SqsQueueUrls queueUrls, IOptions<SqsOptions> options)
{
    /// <summary>SQS takes at most ten messages in one SendMessageBatch.</summary>
    public const int MaxBatchSize = 10;

    /// <summary>
    /// Sends up to ten messages of one queue and priority and returns the indexes of those SQS accepted
    /// (the queue's SQS queues are made on first use). Each
    /// job in the batch gets a "send" span in its own trace, and each message carries the trace
    /// context of its job's span, so the worker that runs it continues that job's trace.
    /// </summary>
    public async Task<IReadOnlyList<int>> SendBatchAsync(IReadOnlyList<OutboundTask> tasks, string queue, string priority, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tasks.Count, MaxBatchSize);
        var queueName = options.Value.TaskQueueNameFor(queue, priority);
        var entries = new List<SendMessageBatchRequestEntry>(tasks.Count);
        var spans = new List<Activity>();
        try
        {
            foreach (var job in tasks.Index().GroupBy(task => task.Item.Message.JobId))
            {
                var jobTrace = job.First().Item.JobTrace;
                // The first job's span is current while the batch is sent, so the HTTP call shows under it.
                var span = jobTrace == default ? null : TaskTracing.StartMessaging("send", queueName, ActivityKind.Producer, jobTrace);
                if (span is not null)
                {
                    span.SetTag(TaskTracing.JobId, job.Key);
                    span.SetTag(TaskTracing.MessagingBatchCount, job.Count());
                    spans.Add(span);
                }
                foreach (var (index, task) in job)
                {
                    var entry = new SendMessageBatchRequestEntry(index.ToString(CultureInfo.InvariantCulture), JsonSerializer.Serialize(task.Message, JsonSerializerOptions.Web));
                    // An untraced relay still passes the job's own context on, so the decision made at
                    // submission holds for every attempt.
                    var context = span?.Context ?? task.JobTrace;
                    if (context != default)
                    {
                        entry.MessageAttributes = [];
                        TaskTracing.Inject(context, entry.MessageAttributes);
                    }
                    entries.Add(entry);
                }
            }
            if (spans.Count > 0)
            {
                Activity.Current = spans[0];
            }

            var response = await sqs.SendMessageBatchAsync(new SendMessageBatchRequest
            {
                QueueUrl = await queueUrls.GetOrCreateTaskQueueAsync(queueName, ct),
                Entries = entries,
            }, ct);
            if (response.Failed is { Count: > 0 } failed)
            {
                foreach (var span in spans)
                {
                    span.SetStatus(ActivityStatusCode.Error, $"SQS refused {failed.Count} of {tasks.Count} messages: {failed[0].Code}");
                }
            }
            return (response.Successful ?? [])
                .Select(entry => int.Parse(entry.Id, CultureInfo.InvariantCulture))
                .ToList();
        }
        catch (Exception ex)
        {
            if (ex is QueueDoesNotExistException)
            {
                // The relay's next pass makes it again and sends what this one could not.
                queueUrls.Forget(queueName);
            }
            foreach (var span in spans)
            {
                span.AddException(ex);
                span.SetStatus(ActivityStatusCode.Error, ex.Message);
            }
            throw;
        }
        finally
        {
            foreach (var span in spans)
            {
                span.Stop();
            }
        }
    }
}
