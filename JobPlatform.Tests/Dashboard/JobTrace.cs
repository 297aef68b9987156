using System.Net;
using Google.Protobuf;
using JobPlatform.AppHost.Dashboard.Otlp.Collector;
using JobPlatform.AppHost.Dashboard.Otlp.Common;
using JobPlatform.AppHost.Dashboard.Otlp.Logs;
using JobPlatform.AppHost.Dashboard.Otlp.Resources;
using JobPlatform.Tests.Infrastructure;
using OtlpSpanKind = JobPlatform.AppHost.Dashboard.Otlp.Trace.Span.Types.SpanKind;

namespace JobPlatform.Tests.Dashboard;

/// <summary>
/// A job's trace as the platform's processes would export it, each from its own process: the Api
/// accepts the job, its outbox relay sends the tasks, two workers run them (one task fails).
/// </summary>
internal static class JobTrace
{
    public sealed record Posted(string TraceId, string JobId, int SpanCount);

    public static async Task<Posted> PostAsync(JobPlatformFixture fixture)
    {
        var traceId = OtlpRequests.NewTraceId();
        var jobId = Guid.NewGuid().ToString();
        var (root, relay) = (OtlpRequests.NewSpanId(), OtlpRequests.NewSpanId());
        var start = OtlpRequests.UnixNanoNow() - 2_000_000_000;
        ulong At(int ms) => start + (ulong)ms * 1_000_000;

        var api = OtlpRequests.Traces("api", "api", [
            OtlpRequests.NewSpan(traceId, root, null, "POST /api/v1/jobs", OtlpSpanKind.Server, At(0), TimeSpan.FromMilliseconds(40), jobId,
                attributes: [("http.request.method", "POST"), ("http.route", "/api/v1/jobs"), ("http.response.status_code", "201")]),
            OtlpRequests.NewSpan(traceId, relay, root, "outbox relay", OtlpSpanKind.Producer, At(45), TimeSpan.FromMilliseconds(30), jobId,
                attributes: [("messaging.system", "aws_sqs"), ("messaging.batch.message_count", "4")]),
        ]);
        var workers = Enumerable.Range(1, 2).Select(w => OtlpRequests.Traces("worker", $"worker-{w}",
            Enumerable.Range(0, 2).Select(t => OtlpRequests.NewSpan(traceId, null, relay, $"run task {w * 2 + t - 2}", OtlpSpanKind.Consumer,
                At(90 + 60 * t + 15 * w), TimeSpan.FromMilliseconds(45 + 20 * w), jobId, error: w == 2 && t == 1,
                attributes: [("task.index", $"{w * 2 + t - 2}"), ("worker.id", $"worker-{w}")])))).ToList();

        using var otlp = fixture.CreateOtlpClient();
        foreach (var request in workers.Prepend(api))
        {
            using var response = await OtlpRequests.PostAsync(otlp, "/v1/traces", request.ToByteArray(), fixture.App.OtlpApiKey);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        return new Posted(traceId, jobId, 6);
    }

    /// <summary>Two log records of worker-1 in a new trace, an information and an error; returns the trace id.</summary>
    public static async Task<string> PostLogsAsync(JobPlatformFixture fixture)
    {
        var traceId = OtlpRequests.NewTraceId();
        var resource = new Resource();
        resource.Attributes.Add(OtlpRequests.Attribute("service.name", "worker"));
        resource.Attributes.Add(OtlpRequests.Attribute("service.instance.id", "worker-1"));
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "JobPlatform.Worker.TaskRunner" } };
        var now = OtlpRequests.UnixNanoNow();
        foreach (var (message, severity, offset) in new[] { ("task started", 9, 0UL), ("task failed", 17, 1_000_000UL) })
        {
            var record = new LogRecord
            {
                TimeUnixNano = now + offset,
                SeverityNumber = severity,
                Body = new AnyValue { StringValue = message },
                TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId)),
                SpanId = ByteString.CopyFrom(Convert.FromHexString(OtlpRequests.NewSpanId())),
            };
            record.Attributes.Add(OtlpRequests.Attribute("task.index", "3"));
            scope.LogRecords.Add(record);
        }
        var resourceLogs = new ResourceLogs { Resource = resource };
        resourceLogs.ScopeLogs.Add(scope);
        var request = new ExportLogsServiceRequest();
        request.ResourceLogs.Add(resourceLogs);

        using var otlp = fixture.CreateOtlpClient();
        using var response = await OtlpRequests.PostAsync(otlp, "/v1/logs", request.ToByteArray(), fixture.App.OtlpApiKey);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return traceId;
    }
}
