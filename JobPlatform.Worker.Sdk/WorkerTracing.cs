using System.Diagnostics;
using Amazon.SQS.Model;

namespace JobPlatform.Worker.Sdk;

/// <summary>
/// The worker's spans: its receive, claim, each attempt and the batched calls to the Api. They join
/// the trace of the task's job through the W3C trace context (<c>traceparent</c>, <c>tracestate</c>)
/// that the Api's outbox relay writes into each message's attributes, and carry the same attribute
/// names as the Api's spans (the tests hold the two to the same names).
/// </summary>
internal static class WorkerTracing
{
    /// <summary>The ActivitySource of JobPlatform's own spans, the Api's name for its own: export it to see the worker's spans.</summary>
    public const string SourceName = "JobPlatform";

    public static readonly ActivitySource Source = new(SourceName);

    public const string JobId = "job.id";
    public const string TaskId = "task.id";
    public const string TenantId = "tenant.id";
    public const string WorkerId = "worker.id";
    public const string Attempt = "task.attempt";
    public const string TaskType = "task.type";
    public const string Outcome = "task.outcome";

    // OpenTelemetry semantic conventions for messaging (v1.27+).
    public const string MessagingSystem = "messaging.system";
    public const string MessagingDestination = "messaging.destination.name";
    public const string MessagingOperationType = "messaging.operation.type";
    public const string MessagingOperationName = "messaging.operation.name";
    public const string MessagingMessageId = "messaging.message.id";
    public const string MessagingBatchCount = "messaging.batch.message_count";

    /// <summary>The value of <see cref="MessagingSystem"/> for SQS.</summary>
    public const string SqsSystem = "aws_sqs";

    /// <summary>The W3C trace context's message attributes.</summary>
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>
    /// Starts a messaging span named "{operation} {queue}" (receive or process), as the conventions
    /// name them, or returns null when nobody samples it.
    /// </summary>
    public static Activity? StartMessaging(string operation, string queueName, ActivityKind kind, ActivityContext parent, IEnumerable<ActivityLink>? links = null)
    {
        var activity = Source.StartActivity($"{operation} {queueName}", kind, parent, links: links);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessagingSystem, SqsSystem);
            activity.SetTag(MessagingDestination, queueName);
            activity.SetTag(MessagingOperationType, operation);
            activity.SetTag(MessagingOperationName, operation);
        }
        return activity;
    }

    /// <summary>The trace context a message carries, or default when it carries none or a malformed one.</summary>
    public static ActivityContext Extract(Message message)
    {
        if (message.MessageAttributes is not { Count: > 0 } attributes
            || !attributes.TryGetValue(TraceParent, out var parent) || parent.StringValue is not { } traceParent)
        {
            return default;
        }
        var traceState = attributes.TryGetValue(TraceState, out var state) ? state.StringValue : null;
        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
    }
}
