using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.SQS;
using Amazon.SQS.Model;
using JobPlatform.Contracts;
using JobPlatform.Worker.Sdk.Handlers;
using Microsoft.Extensions.Options;

namespace JobPlatform.Worker.Sdk.Pipeline;

/// <summary>
/// The pipeline's third step: runs a claimed task's handler while a heartbeat keeps its lease and its
/// message's visibility, hands the outcome to <see cref="TaskReporter"/>, and the Api's answer to
/// <see cref="MessageDeleter"/>. Whatever fails before the Api confirmed a report leaves the message
/// in the queue, so it reappears after its visibility timeout: the task runs AT LEAST once. Each
/// attempt resolves its handler from a dependency injection scope of its own, disposed when it ends.
/// </summary>
internal sealed class TaskRunner(
    IAmazonSQS sqs,
    IServiceProvider services,
    IEnumerable<TaskHandlerRegistration> handlers,
    TaskSlots slots,
    TaskReporter reporter,
    MessageDeleter deleter,
    WorkerActivity activity,
    WorkerMetrics metrics,
    IOptions<WorkerOptions> options,
    ILogger<TaskRunner> logger)
{
    private readonly WorkerOptions _options = options.Value;

    // AddTaskHandler refuses a second handler for a type.
    private readonly Dictionary<string, TaskHandlerRegistration> _handlers = handlers.ToDictionary(h => h.Type, StringComparer.Ordinal);

    /// <summary>Runs a granted task and returns at once; its message's slot frees when the run is done with.</summary>
    public void Run(ReceivedMessage message, TaskGrant grant, ActivityContext receive) => _ = RunAsync(message, grant, receive);

    private async Task RunAsync(ReceivedMessage message, TaskGrant grant, ActivityContext receive)
    {
        try
        {
            // The attempt's span continues the trace its message carries (its job's), linked to the receive.
            using var span = TaskTracing.StartMessaging("process", message.Queue, ActivityKind.Consumer,
                TaskTracing.Extract(message.Message), receive == default ? null : [new ActivityLink(receive)]);
            if (span is { IsAllDataRequested: true })
            {
                span.SetTag(TaskTracing.MessagingMessageId, message.Message.MessageId);
                span.SetTag(TaskTracing.JobId, grant.JobId);
                span.SetTag(TaskTracing.TaskId, grant.TaskId);
                span.SetTag(TaskTracing.TenantId, grant.TenantId);
                span.SetTag(TaskTracing.WorkerId, _options.WorkerId);
                span.SetTag(TaskTracing.Attempt, grant.Attempt);
                span.SetTag(TaskTracing.TaskType, grant.Type);
            }
            // Every record of the attempt, the handler's included, carries its task.
            using var scope = logger.BeginScope(new Dictionary<string, object>
            {
                ["TaskId"] = grant.TaskId, ["JobId"] = grant.JobId, ["TaskIndex"] = grant.Index, ["Attempt"] = grant.Attempt,
            });
            var report = await RunWithHeartbeatAsync(message, grant);
            activity.RecordFinished();
            if (report is { Applied: false, Status: not null })
            {
                logger.LogInformation("Report for task {TaskId} attempt {Attempt} was stale: the task is {Status} without it", grant.TaskId, grant.Attempt, report.Status);
            }
            await deleter.SettleAsync(message, report);
        }
        catch (Exception ex)
        {
            // The message stays in the queue and reappears after its visibility timeout.
            logger.LogWarning(ex, "Task {TaskId} was not finished and its message will be delivered again: {Error}", grant.TaskId, ex.Message);
        }
        finally
        {
            message.Done();
        }
    }

    /// <summary>
    /// Runs the handler, then reports, while a heartbeat renews the task's lease at the Api and
    /// another loop keeps its message hidden in SQS, so a task may run far longer than the visibility
    /// timeout without being delivered twice. The two are apart so that an Api that stalls (every
    /// call waits out its timeouts) does not let the message reappear meanwhile. When the Api says
    /// this attempt no longer holds the task, the handler's token fires.
    /// </summary>
    private async Task<TaskReportResult> RunWithHeartbeatAsync(ReceivedMessage message, TaskGrant grant)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(slots.DrainExpired);
        // The attempt's own deadline, when the job has one: the handler's token fires and the attempt fails.
        using var deadline = grant.Timeout is { } timeout ? new CancellationTokenSource(timeout) : new CancellationTokenSource();
        using var handler = CancellationTokenSource.CreateLinkedTokenSource(lost.Token, deadline.Token);
        using var finished = new CancellationTokenSource();
        // Each loop stops by disposing its timer, which ends the wait for the next tick quietly:
        // cancelling that wait threw an exception at the end of every task, a few per cent of a
        // busy worker's CPU. The token still cancels a call in flight.
        var beats = new PeriodicTimer(_options.HeartbeatInterval);
        var extensions = new PeriodicTimer(_options.HeartbeatInterval);
        var progress = new AttemptProgress();
        var heartbeat = HeartbeatAsync(grant, progress, lost, beats, finished.Token);
        var hidden = KeepHiddenAsync(message, grant, lost.Token, extensions, finished.Token);
        try
        {
            var report = await RunHandlerAsync(grant, progress, handler.Token, deadline.Token);
            return await reporter.ReportAsync(report);
        }
        finally
        {
            beats.Dispose();
            extensions.Dispose();
            await finished.CancelAsync();
            await Task.WhenAll(heartbeat, hidden);
        }
    }

    private async Task HeartbeatAsync(TaskGrant grant, AttemptProgress progress, CancellationTokenSource lost, PeriodicTimer timer, CancellationToken finished)
    {
        while (await timer.WaitForNextTickAsync(CancellationToken.None))
        {
            try
            {
                var api = services.GetRequiredService<JobPlatformApiClient>();
                var (extended, status) = await api.HeartbeatAsync(grant.TaskId, new HeartbeatRequest(grant.AttemptId, _options.WorkerId, _options.VisibilityTimeout, progress.Latest), finished);
                if (extended is null)
                {
                    logger.LogWarning("Task {TaskId} attempt {Attempt} lost its lease (task is {Status}); stopping it", grant.TaskId, grant.Attempt, status);
                    await lost.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException) when (finished.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // One missed beat is survivable: the interval is at most a third of the lease. The
                // loop goes on until its task ends, whatever the Api's pipeline threw.
                logger.LogWarning("Heartbeat for task {TaskId} failed ({Error}); trying again next beat", grant.TaskId, ex.Message);
            }
        }
    }

    /// <summary>Keeps the task's message hidden while its attempt runs here and holds the task, as far as this worker knows.</summary>
    private async Task KeepHiddenAsync(ReceivedMessage message, TaskGrant grant, CancellationToken lost, PeriodicTimer timer, CancellationToken finished)
    {
        var visibilitySeconds = (int)_options.VisibilityTimeout.TotalSeconds;
        while (await timer.WaitForNextTickAsync(CancellationToken.None) && !lost.IsCancellationRequested)
        {
            try
            {
                await sqs.ChangeMessageVisibilityAsync(new ChangeMessageVisibilityRequest(message.QueueUrl, message.Message.ReceiptHandle, visibilitySeconds), finished);
            }
            catch (OperationCanceledException) when (finished.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Keeping task {TaskId}'s message hidden failed ({Error}); trying again next beat", grant.TaskId, ex.Message);
            }
        }
    }

    /// <summary>Runs the handler and returns how the attempt ended, as the report to send.</summary>
    private async Task<TaskReport> RunHandlerAsync(TaskGrant grant, AttemptProgress progress, CancellationToken cancellationToken, CancellationToken deadline)
    {
        metrics.Started();
        var started = Stopwatch.GetTimestamp();
        var report = await ExecuteAsync(grant, progress, cancellationToken, deadline);
        metrics.Ended(grant.Type, report.Outcome, Stopwatch.GetElapsedTime(started));
        if (Activity.Current is { IsAllDataRequested: true } span)
        {
            span.SetTag(TaskTracing.Outcome, report.Outcome);
            if (report.Outcome is not TaskReportOutcome.Succeeded)
            {
                span.SetStatus(ActivityStatusCode.Error, $"The attempt ended {report.Outcome}.");
            }
        }
        return report;
    }

    private async Task<TaskReport> ExecuteAsync(TaskGrant grant, AttemptProgress progress, CancellationToken cancellationToken, CancellationToken deadline)
    {
        var workerId = _options.WorkerId;
        _handlers.TryGetValue(grant.Type, out var handler);
        try
        {
            if (handler is null)
            {
                throw new NonRetryableTaskException($"Worker {workerId} has no handler for task type '{grant.Type}'.");
            }
            JsonNode? result;
            await using (var attempt = services.CreateAsyncScope())
            {
                result = await handler.RunAsync(attempt.ServiceProvider, grant, progress, cancellationToken);
            }
            logger.LogDebug("Task {TaskId} attempt {Attempt} succeeded", grant.TaskId, grant.Attempt);
            return new TaskReport(grant.TaskId, grant.AttemptId, TaskReportOutcome.Succeeded, result);
        }
        catch (OperationCanceledException) when (slots.DrainExpired.IsCancellationRequested)
        {
            // The drain timeout ran out while stopping: give the task back rather than fail it.
            logger.LogInformation("Releasing task {TaskId} attempt {Attempt}: the worker is stopping", grant.TaskId, grant.Attempt);
            return new TaskReport(grant.TaskId, grant.AttemptId, TaskReportOutcome.Released, Error: $"Worker {workerId} stopped before the task finished.");
        }
        catch (Exception ex)
        {
            var (error, retryable) = AttemptFailure.Describe(ex, handler?.Options, grant.Timeout,
                timedOut: deadline.IsCancellationRequested, leaseLost: cancellationToken.IsCancellationRequested);
            logger.LogInformation("Task {TaskId} attempt {Attempt} failed: {Error}", grant.TaskId, grant.Attempt, error);
            return new TaskReport(grant.TaskId, grant.AttemptId, TaskReportOutcome.Failed, Error: error, Detail: ex.ToString(), Retryable: retryable);
        }
    }
}
