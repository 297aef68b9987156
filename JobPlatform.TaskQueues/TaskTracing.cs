using System.Diagnostics;
using Amazon.SQS.Model;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace JobPlatform.TaskQueues;

/// <summary>
/// The spans a task's journey makes, shared by the Api and the workers: the names of the attributes
/// every span of a task carries, OpenTelemetry's messaging conventions for SQS, and the W3C trace
/// context that travels in each message's attributes, so a task's attempts join its job's trace.
/// </summary>
public static class TaskTracing
{
    /// <summary>The ActivitySource of JobPlatform's own spans.</summary>
    public const string SourceName = "JobPlatform";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// W3C trace context and baggage, set here rather than taken from OpenTelemetry's default
    /// propagator, which is a no-op until a process configures the OpenTelemetry SDK: a team's worker
    /// need not, and its messages still join their job's trace.
    /// </summary>
    private static readonly TextMapPropagator Propagator = new CompositeTextMapPropagator([new TraceContextPropagator(), new BaggagePropagator()]);

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

    /// <summary>
    /// Starts a messaging span named "{operation} {queue}" (send, receive or process), as the
    /// conventions name them, or returns null when nobody samples it.
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

    /// <summary>Writes <paramref name="context"/> into a message's attributes (traceparent, tracestate, baggage).</summary>
    public static void Inject(ActivityContext context, Dictionary<string, MessageAttributeValue> attributes)
    {
        if (context == default)
        {
            return;
        }
        Propagator.Inject(new PropagationContext(context, Baggage.Current), attributes,
            static (carrier, key, value) => carrier[key] = new MessageAttributeValue { DataType = "String", StringValue = value });
    }

    /// <summary>The trace context a message carries, or default when it carries none.</summary>
    public static ActivityContext Extract(Message message)
    {
        if (message.MessageAttributes is not { Count: > 0 } attributes)
        {
            return default;
        }
        return Propagator.Extract(default, attributes,
            static (carrier, key) => carrier.TryGetValue(key, out var value) && value.StringValue is { } text ? [text] : []).ActivityContext;
    }

    /// <summary>A stored W3C traceparent (and tracestate), or default when there is none or it is malformed.</summary>
    public static ActivityContext Parse(string? traceParent, string? traceState = null) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;

    /// <summary>The W3C traceparent of the current span, to store beside what it created; null outside a trace.</summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;
}
