using System.Net.Http.Headers;
using System.Security.Cryptography;
using Google.Protobuf;
using JobPlatform.AppHost.Dashboard.Otlp.Collector;
using JobPlatform.AppHost.Dashboard.Otlp.Common;
using JobPlatform.AppHost.Dashboard.Otlp.Resources;
using JobPlatform.AppHost.Dashboard.Otlp.Trace;
using OtlpSpan = JobPlatform.AppHost.Dashboard.Otlp.Trace.Span;

namespace JobPlatform.Tests.Dashboard;

/// <summary>
/// Small factories of OTLP requests, built with the AppHost's generated classes, and the calls an
/// exporter makes. Every field is optional; ids are random unless given.
/// </summary>
internal static class OtlpRequests
{
    public const string ApiKeyHeader = "x-otlp-api-key";

    public static string NewTraceId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string NewSpanId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static ulong UnixNanoNow() => (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

    public static OtlpSpan NewSpan(
        string? traceId = null, string? spanId = null, string? parentSpanId = null, string name = "test span",
        OtlpSpan.Types.SpanKind kind = OtlpSpan.Types.SpanKind.Internal, ulong? start = null, TimeSpan? duration = null,
        string? jobId = null, bool error = false, params (string Key, string Value)[] attributes)
    {
        var begin = start ?? UnixNanoNow();
        var span = new OtlpSpan
        {
            TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId ?? NewTraceId())),
            SpanId = ByteString.CopyFrom(Convert.FromHexString(spanId ?? NewSpanId())),
            Name = name,
            Kind = kind,
            StartTimeUnixNano = begin,
            EndTimeUnixNano = begin + (ulong)(duration ?? TimeSpan.FromMilliseconds(5)).Ticks * 100,
            Status = new Status { Code = error ? Status.Types.StatusCode.Error : Status.Types.StatusCode.Unset },
        };
        if (parentSpanId is not null)
        {
            span.ParentSpanId = ByteString.CopyFrom(Convert.FromHexString(parentSpanId));
        }
        if (jobId is not null)
        {
            span.Attributes.Add(Attribute("job.id", jobId));
        }
        span.Attributes.AddRange(attributes.Select(a => Attribute(a.Key, a.Value)));
        return span;
    }

    public static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    public static ExportTraceServiceRequest Traces(string service, string? instance, IEnumerable<OtlpSpan> spans)
    {
        var resource = new Resource();
        resource.Attributes.Add(Attribute("service.name", service));
        if (instance is not null)
        {
            resource.Attributes.Add(Attribute("service.instance.id", instance));
        }
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "JobPlatform.Tests" } };
        scope.Spans.AddRange(spans);
        var resourceSpans = new ResourceSpans { Resource = resource };
        resourceSpans.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resourceSpans);
        return request;
    }

    /// <summary>POSTs <paramref name="body"/> as an exporter would: protobuf, with the key unless told otherwise.</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient otlp, string path, byte[] body, string? apiKey, string contentType = "application/x-protobuf")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (apiKey is not null)
        {
            request.Headers.Add(ApiKeyHeader, apiKey);
        }
        return await otlp.SendAsync(request);
    }
}
