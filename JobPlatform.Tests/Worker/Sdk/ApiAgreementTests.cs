using System.Diagnostics;
using Amazon.SQS.Model;
using JobPlatform.Worker.Sdk;
using JobPlatform.Worker.Sdk.Queues;
using Microsoft.Extensions.Hosting;

namespace JobPlatform.Tests.Worker.Sdk;

/// <summary>
/// The SDK references JobPlatform.Contracts only, so it states its side of what the Api and the
/// workers share (queue names, span attributes, the message-age histogram) itself; these hold the two
/// sides to one.
/// </summary>
public sealed class ApiAgreementTests
{
    [Fact]
    public void TaskQueues_AreNamedAndConfiguredAsTheApiNamesThem()
    {
        Assert.Equal(SqsOptions.SectionName, TaskQueueOptions.SectionName);
        Assert.Equal(new SqsOptions().TaskQueueNames, new TaskQueueOptions().TaskQueueNames);
        Assert.Equal(new SqsOptions { TaskQueueName = "team-a" }.TaskQueueNames, new TaskQueueOptions { TaskQueueName = "team-a" }.TaskQueueNames);
    }

    [Fact]
    public void WorkerSpans_ComeFromTheApisSource_WithItsAttributeNames()
    {
        Assert.Equal(TaskTracing.SourceName, WorkerTracing.SourceName);
        Assert.Equal(
            [TaskTracing.JobId, TaskTracing.TaskId, TaskTracing.TenantId, TaskTracing.WorkerId, TaskTracing.Attempt, TaskTracing.TaskType, TaskTracing.Outcome,
             TaskTracing.MessagingSystem, TaskTracing.MessagingDestination, TaskTracing.MessagingOperationType, TaskTracing.MessagingOperationName,
             TaskTracing.MessagingMessageId, TaskTracing.MessagingBatchCount, TaskTracing.SqsSystem],
            [WorkerTracing.JobId, WorkerTracing.TaskId, WorkerTracing.TenantId, WorkerTracing.WorkerId, WorkerTracing.Attempt, WorkerTracing.TaskType, WorkerTracing.Outcome,
             WorkerTracing.MessagingSystem, WorkerTracing.MessagingDestination, WorkerTracing.MessagingOperationType, WorkerTracing.MessagingOperationName,
             WorkerTracing.MessagingMessageId, WorkerTracing.MessagingBatchCount, WorkerTracing.SqsSystem]);
    }

    [Fact]
    public void TheTraceContext_TheRelayWritesIntoAMessage_IsTheOneTheWorkerReads()
    {
        // Every service's OpenTelemetry SDK sets the W3C propagator; touching the SDK does it here.
        _ = OpenTelemetry.Sdk.SuppressInstrumentation;
        var sent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, "vendor=value");
        var attributes = new Dictionary<string, MessageAttributeValue>();

        TaskTracing.Inject(sent, attributes);
        var read = WorkerTracing.Extract(new Message { MessageAttributes = attributes });

        Assert.Equal((sent.TraceId, sent.SpanId, sent.TraceFlags, sent.TraceState), (read.TraceId, read.SpanId, read.TraceFlags, read.TraceState));
        Assert.True(read.IsRemote);
    }

    [Fact]
    public void AMessageWithoutTraceContext_OrWithAMalformedOne_StartsNoTrace()
    {
        Assert.Equal(default, WorkerTracing.Extract(new Message()));
        Assert.Equal(default, WorkerTracing.Extract(new Message
        {
            MessageAttributes = new() { [WorkerTracing.TraceParent] = new MessageAttributeValue { DataType = "String", StringValue = "00-not-a-trace" } },
        }));
    }

    [Fact]
    public void MessageAges_AreRecordedOnTheApisHistogram()
    {
        Assert.Equal(SqsMessageAge.InstrumentName, WorkerMetrics.MessageAgeInstrument);
    }
}
