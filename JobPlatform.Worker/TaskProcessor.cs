using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using JobPlatform.Contracts;
using JobPlatform.Worker.Handlers;
using Microsoft.Extensions.Options;

namespace JobPlatform.Worker;

/// <summary>
/// Takes one SQS message through the worker protocol: claim, run the handler, report, and only
/// then delete the message. Whatever fails before the Api confirmed a report leaves the message in
/// the queue, so it reappears after its visibility timeout: the task runs AT LEAST once.
/// </summary>
public sealed class TaskProcessor(
    IAmazonSQS sqs,
    JobPlatformApiClient api,
    IEnumerable<ITaskHandler> handlers,
    IOptions<WorkerOptions> options,
    ILogger<TaskProcessor> logger)
{
    // SQS caps a message's visibility timeout at 12 hours.
    private static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromHours(12);

    private readonly Dictionary<string, ITaskHandler> _handlers = handlers.ToDictionary(h => h.Type, StringComparer.Ordinal);

    public async Task ProcessAsync(Message message, string queueUrl, CancellationToken cancellationToken)
    {
        TaskMessage? task;
        try
        {
            task = JsonSerializer.Deserialize<TaskMessage>(message.Body, JsonSerializerOptions.Web);
        }
        catch (JsonException ex)
        {
            task = null;
            logger.LogWarning("Message {MessageId} is not a task message ({Error}); leaving it for the dead-letter queue", message.MessageId, ex.Message);
        }
        if (task is null || task.TaskId == Guid.Empty)
        {
            return;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["TaskId"] = task.TaskId, ["JobId"] = task.JobId });
        var workerId = options.Value.WorkerId;
        var receiveCount = message.Attributes?.TryGetValue(MessageSystemAttributeName.ApproximateReceiveCount, out var count) == true
            ? int.Parse(count, System.Globalization.CultureInfo.InvariantCulture)
            : 1;

        var claim = await api.ClaimAsync(task.TaskId, new ClaimTaskRequest(workerId, Guid.CreateVersion7(), receiveCount), cancellationToken);
        if (claim is null)
        {
            // Finished, cancelled, leased to another worker, or unknown: this copy has nothing to do.
            logger.LogDebug("Claim of task {TaskId} refused; dropping its message", task.TaskId);
            await DeleteAsync(queueUrl, message, cancellationToken);
            return;
        }

        var report = await RunAsync(claim, workerId, cancellationToken);
        if (report is null || JobTaskStatus.Final.Contains(report.Status))
        {
            await DeleteAsync(queueUrl, message, cancellationToken);
        }
        else if (report is { Applied: true, RetryAfter: { } delay })
        {
            // The retry waits in the queue, not in this process: the message reappears after the backoff.
            var seconds = (int)Math.Ceiling(Math.Min(delay.TotalSeconds, MaxVisibilityTimeout.TotalSeconds));
            await sqs.ChangeMessageVisibilityAsync(new ChangeMessageVisibilityRequest(queueUrl, message.ReceiptHandle, seconds), cancellationToken);
        }
    }

    /// <summary>Runs the handler and reports its outcome; returns what the Api did with the report.</summary>
    private async Task<TaskReportResponse?> RunAsync(ClaimTaskResponse claim, string workerId, CancellationToken cancellationToken)
    {
        var context = new TaskContext(claim.TaskId, claim.JobId, claim.Attempt, claim.MaxAttempts, claim.Parameters);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            if (!_handlers.TryGetValue(claim.Type, out var handler))
            {
                throw new NonRetryableTaskException($"Worker {workerId} has no handler for task type '{claim.Type}'.");
            }
            var result = await handler.ExecuteAsync(context, cancellationToken);
            logger.LogDebug("Task {TaskId} attempt {Attempt} succeeded in {Elapsed}", claim.TaskId, claim.Attempt, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            return await api.CompleteAsync(claim.TaskId, new CompleteTaskRequest(claim.AttemptId, workerId, result), CancellationToken.None);
        }
        catch (Exception ex)
        {
            var (error, retryable) = ex switch
            {
                NonRetryableTaskException => (ex.Message, false),
                OperationCanceledException when cancellationToken.IsCancellationRequested => ($"Worker {workerId} stopped before the task finished.", true),
                _ => ($"{ex.GetType().Name}: {ex.Message}", true),
            };
            logger.LogInformation("Task {TaskId} attempt {Attempt} failed: {Error}", claim.TaskId, claim.Attempt, error);
            // Reported even while stopping, so the attempt is recorded and retried at once rather than after its lease.
            return await api.FailAsync(claim.TaskId, new FailTaskRequest(claim.AttemptId, workerId, error, ex.ToString(), retryable), CancellationToken.None);
        }
    }

    private Task DeleteAsync(string queueUrl, Message message, CancellationToken cancellationToken) =>
        sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle, cancellationToken);
}
