using System.Diagnostics;
using Amazon.SQS.Model;
using JobPlatform.TaskQueues;

namespace JobPlatform.Tests.TaskQueues;

/// <summary>The trace context the Api's relay writes into a task message, as a worker reads it back.</summary>
public sealed class TaskTracingTests
{
    [Fact]
    public void TheTraceContextWrittenIntoAMessage_IsReadBackWhole_WithoutTheOpenTelemetrySdk()
    {
        // No OpenTelemetry SDK is configured in this process: a team's worker need not configure one.
        var sent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, "vendor=value");
        var attributes = new Dictionary<string, MessageAttributeValue>();

        TaskTracing.Inject(sent, attributes);
        var read = TaskTracing.Extract(new Message { MessageAttributes = attributes });

        Assert.Equal(["traceparent", "tracestate"], attributes.Keys.Order());
        Assert.Equal((sent.TraceId, sent.SpanId, sent.TraceFlags, sent.TraceState), (read.TraceId, read.SpanId, read.TraceFlags, read.TraceState));
        Assert.True(read.IsRemote);
    }

    [Fact]
    public void AMessageWithoutTraceContext_OrWithAMalformedOne_StartsNoTrace()
    {
        Assert.Equal(default, TaskTracing.Extract(new Message()));
        Assert.Equal(default, TaskTracing.Extract(new Message
        {
            MessageAttributes = new() { ["traceparent"] = new MessageAttributeValue { DataType = "String", StringValue = "00-not-a-trace" } },
        }));
    }

    [Fact]
    public void EachPriority_HasAQueueOfItsOwn_NamedAfterTheConfiguredOne()
    {
        Assert.Equal(["team-a-critical", "team-a-high", "team-a", "team-a-low"], new SqsOptions { TaskQueueName = "team-a" }.TaskQueueNames);
        Assert.Equal("team-a-high", SqsQueueUrls.NameOf("http://127.0.0.1:4566/000000000000/team-a-high"));
    }

    [Fact]
    public void EachOtherQueue_HasItsOwnSetOfPriorityQueues_AfterAnUnderscore()
    {
        var options = new SqsOptions { TaskQueueName = "team-a" };
        Assert.Equal(["team-a_files-critical", "team-a_files-high", "team-a_files", "team-a_files-low"], options.TaskQueueNamesOf("files"));
        Assert.Equal(options.TaskQueueNames, options.TaskQueueNamesOf(JobPlatform.Contracts.QueueNames.Default));
    }

    [Theory]
    [InlineData("default", true)]
    [InlineData("text", true)]
    [InlineData("images_2", true)]
    [InlineData("9lives", true)]
    [InlineData("", false)]
    [InlineData("Text", false)]
    [InlineData("x-critical", false)]
    [InlineData("_x", false)]
    [InlineData("a.b", false)]
    public void AQueueName_IsLowerCaseLettersDigitsAndUnderscores_SoNoNameEndsLikeAPrioritySuffix(string name, bool valid) =>
        Assert.Equal(valid, JobPlatform.Contracts.QueueNames.IsValid(name));
}
