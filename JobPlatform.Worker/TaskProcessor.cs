using System.Diagnostics;
using System.Text.Json;
using Amazon.Runtime;
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
    TaskReporter reporter,
    MessageDeleter deleter,
    WorkerActivity activity,
    WorkerMetrics metrics,
    IOptions<WorkerOptions> options,
    ILogger<TaskProcessor> logger)
{
    private readonly WorkerOptions _options = options.Value;

    // SQS caps a message's visibility timeout at 12 hours.
    private static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromHours(12);

    private readonly Dictionary<string, ITaskHandler> _handlers = handlers.ToDictionary(h => h.Type, StringComparer.Ordinal);

    /// <summary>
    /// Reads a message's task, or null for a message that is not a task message. Such a message is
    /// made visible again at once: no retry can fix it, and the redrive policy then moves it to the
    /// dead-letter queue after maxReceiveCount receives instead of after as many timeouts.
    /// </summary>
    public async Task<TaskMessage?> ReadAsync(Message message, string queueUrl)
    {
        TaskMessage? task;
        try
        {
            task = JsonSerializer.Deserialize<TaskMessage>(message.Body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            task = null;
        }
        if (task is null || task.TaskId == Guid.Empty)
        {
            logger.LogWarning("Message {MessageId} is not a task message; returning it to the queue for the dead-letter queue", message.MessageId);
            await sqs.ChangeMessageVisibilityAsync(new ChangeMessageVisibilityRequest(queueUrl, message.ReceiptHandle, 0), CancellationToken.None);
            return null;
        }
        return task;
    }

    /// <summary>Runs a claimed task, reports how it ended, and only then deletes or hides its message.</summary>
    public async Task ProcessAsync(Message message, TaskGrant claim, string queueUrl, ActivityContext receive, CancellationToken cancellationToken)
    {
        // The attempt's span continues the trace its message carries (its job's), linked to the receive.
        using var span = TaskTracing.StartMessaging("process", SqsQueueUrls.NameOf(queueUrl), ActivityKind.Consumer,
            TaskTracing.Extract(message), receive == default ? null : [new ActivityLink(receive)]);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(TaskTracing.MessagingMessageId, message.MessageId);
            span.SetTag(TaskTracing.JobId, claim.JobId);
            span.SetTag(TaskTracing.TaskId, claim.TaskId);
            span.SetTag(TaskTracing.TenantId, claim.TenantId);
            span.SetTag(TaskTracing.WorkerId, _options.WorkerId);
            span.SetTag(TaskTracing.Attempt, claim.Attempt);
            span.SetTag(TaskTracing.TaskType, claim.Type);
        }
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["TaskId"] = claim.TaskId, ["JobId"] = claim.JobId, ["Attempt"] = claim.Attempt });
        var report = await RunWithHeartbeatAsync(claim, message, queueUrl, cancellationToken);
        activity.RecordFinished();
        if (report is { Applied: false, Status: not null })
        {
            logger.LogInformation("Report for task {TaskId} attempt {Attempt} was stale: the task is {Status} without it", claim.TaskId, claim.Attempt, report.Status);
            if (!JobTaskStatus.Final.Contains(report.Status))
            {
                // Another attempt holds the task now; its worker owns the message's fate.
                return;
            }
        }
        // The report is in: what follows must happen even while the worker stops.
        if (report.Status is null || JobTaskStatus.Final.Contains(report.Status))
        {
            deleter.Delete(queueUrl, message.ReceiptHandle);
        }
        else if (report is { Applied: true, RetryAfter: { } delay })
        {
            // A retry waits in the queue, not in this process: the message reappears after the
            // backoff (at once for a released task, so another worker takes it).
            var seconds = (int)Math.Ceiling(Math.Min(delay.TotalSeconds, MaxVisibilityTimeout.TotalSeconds));
            await sqs.ChangeMessageVisibilityAsync(new ChangeMessageVisibilityRequest(queueUrl, message.ReceiptHandle, seconds), CancellationToken.None);
        }
    }

    /// <summary>
    /// Runs the handler while a heartbeat renews the message's visibility and the task's lease, so a
    /// task may run far longer than the visibility timeout without being delivered twice. When the
    /// Api says this attempt no longer holds the task, the handler's token fires.
    /// </summary>
    private async Task<TaskReportResult> RunWithHeartbeatAsync(TaskGrant claim, Message message, string queueUrl, CancellationToken stopping)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        // The attempt's own deadline, when the job has one: the handler's token fires and the attempt fails.
        using var deadline = claim.Timeout is { } timeout ? new CancellationTokenSource(timeout) : new CancellationTokenSource();
        using var handler = CancellationTokenSource.CreateLinkedTokenSource(lost.Token, deadline.Token);
        using var finished = new CancellationTokenSource();
        // The beat stops by disposing its timer, which ends the wait for the next tick quietly:
        // cancelling that wait threw an exception at the end of every task, a few per cent of a
        // busy worker's CPU. The token still cancels a heartbeat call in flight.
        var timer = new PeriodicTimer(_options.HeartbeatInterval);
        var heartbeat = HeartbeatAsync(claim, message, queueUrl, lost, timer, finished.Token);
        try
        {
            return await RunAsync(claim, handler.Token, deadline.Token, stopping);
        }
        finally
        {
            timer.Dispose();
            await finished.CancelAsync();
            await heartbeat;
        }
    }

    private async Task HeartbeatAsync(TaskGrant claim, Message message, string queueUrl, CancellationTokenSource lost, PeriodicTimer timer, CancellationToken finished)
    {
        var visibilitySeconds = (int)_options.VisibilityTimeout.TotalSeconds;
        try
        {
            while (await timer.WaitForNextTickAsync(CancellationToken.None))
            {
                try
                {
                    var (extended, status) = await api.HeartbeatAsync(claim.TaskId, new HeartbeatRequest(claim.AttemptId, _options.WorkerId, _options.VisibilityTimeout), finished);
                    if (extended is null)
                    {
                        logger.LogWarning("Task {TaskId} attempt {Attempt} lost its lease (task is {Status}); stopping it", claim.TaskId, claim.Attempt, status);
                        await lost.CancelAsync();
                        return;
                    }
                    await sqs.ChangeMessageVisibilityAsync(new ChangeMessageVisibilityRequest(queueUrl, message.ReceiptHandle, visibilitySeconds), finished);
                }
                catch (Exception ex) when (ex is HttpRequestException or AmazonServiceException or AmazonClientException
                    || ex is OperationCanceledException && !finished.IsCancellationRequested)
                {
                    // One missed beat is survivable: the interval is at most a third of the lease.
                    logger.LogWarning("Heartbeat for task {TaskId} failed ({Error}); trying again next beat", claim.TaskId, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (finished.IsCancellationRequested)
        {
        }
    }

    /// <summary>Runs the handler and reports its outcome; returns what the Api did with the report.</summary>
    private async Task<TaskReportResult> RunAsync(TaskGrant claim, CancellationToken cancellationToken, CancellationToken deadline, CancellationToken stopping)
    {
        metrics.Started();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            var (report, reported) = await RunHandlerAsync(claim, cancellationToken, deadline, stopping);
            outcome = reported;
            return report;
        }
        finally
        {
            metrics.Ended(claim.Type, outcome, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            if (Activity.Current is { IsAllDataRequested: true } span)
            {
                span.SetTag(TaskTracing.Outcome, outcome);
                if (outcome is not TaskReportOutcome.Succeeded)
                {
                    span.SetStatus(ActivityStatusCode.Error, $"The attempt ended {outcome}.");
                }
            }
        }
    }

    private async Task<(TaskReportResult Report, string Outcome)> RunHandlerAsync(TaskGrant claim, CancellationToken cancellationToken, CancellationToken deadline, CancellationToken stopping)
    {
        var workerId = _options.WorkerId;
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
            return (await reporter.ReportAsync(new TaskReport(claim.TaskId, claim.AttemptId, TaskReportOutcome.Succeeded, result)), TaskReportOutcome.Succeeded);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The drain timeout ran out while stopping: give the task back rather than fail it.
            logger.LogInformation("Releasing task {TaskId} attempt {Attempt}: the worker is stopping", claim.TaskId, claim.Attempt);
            return (await reporter.ReportAsync(new TaskReport(claim.TaskId, claim.AttemptId, TaskReportOutcome.Released, Error: $"Worker {workerId} stopped before the task finished.")), TaskReportOutcome.Released);
        }
        catch (Exception ex)
        {
            var (error, retryable) = ex switch
            {
                NonRetryableTaskException => (ex.Message, false),
                OperationCanceledException when deadline.IsCancellationRequested => ($"The attempt timed out after {claim.Timeout?.TotalSeconds:0.#} s.", true),
                OperationCanceledException when cancellationToken.IsCancellationRequested => ("The attempt lost its lease and was stopped.", true),
                _ => ($"{ex.GetType().Name}: {ex.Message}", true),
            };
            logger.LogInformation("Task {TaskId} attempt {Attempt} failed: {Error}", claim.TaskId, claim.Attempt, error);
            return (await reporter.ReportAsync(new TaskReport(claim.TaskId, claim.AttemptId, TaskReportOutcome.Failed, Error: error, Detail: ex.ToString(), Retryable: retryable)), TaskReportOutcome.Failed);
        }
    }
}
