using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using JobPlatform.AppHost.Dashboard.Otlp.Collector;
using JobPlatform.AppHost.Dashboard.Otlp.Common;
using JobPlatform.AppHost.Dashboard.Telemetry;
using OtlpMetrics = JobPlatform.AppHost.Dashboard.Otlp.Metrics;
using OtlpTrace = JobPlatform.AppHost.Dashboard.Otlp.Trace;

namespace JobPlatform.AppHost.Dashboard.Otlp;

/// <summary>
/// Turns decoded OTLP export requests into what <see cref="TelemetryStore"/> keeps: ids as lowercase
/// hex, times as unix nanoseconds, attribute values as text cut to <see cref="TelemetryStore.MaxValueLength"/>,
/// and every item tagged with its resource's <c>service.name</c> and <c>service.instance.id</c>.
/// </summary>
internal static class OtlpTranslator
{
    /// <summary>What OpenTelemetry SDKs call a service that did not set <c>service.name</c>.</summary>
    public const string UnknownService = "unknown_service";

    private const int TraceIdBytes = 16;
    private const int SpanIdBytes = 8;

    /// <summary>The spans of <paramref name="request"/>, and how many were rejected for lacking a valid trace or span id.</summary>
    public static (List<StoredSpan> Spans, int Rejected) Spans(ExportTraceServiceRequest request)
    {
        var spans = new List<StoredSpan>();
        var rejected = 0;
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var source = Source(resourceSpans.Resource?.Attributes);
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                var scope = Truncate(scopeSpans.Scope?.Name ?? "");
                foreach (var span in scopeSpans.Spans)
                {
                    if (span.TraceId.Length != TraceIdBytes || span.SpanId.Length != SpanIdBytes)
                    {
                        rejected++;
                        continue;
                    }
                    spans.Add(new StoredSpan(
                        Hex(span.TraceId),
                        Hex(span.SpanId),
                        span.ParentSpanId.Length == SpanIdBytes ? Hex(span.ParentSpanId) : null,
                        Truncate(span.Name),
                        span.Kind switch
                        {
                            OtlpTrace.Span.Types.SpanKind.Server => SpanKind.Server,
                            OtlpTrace.Span.Types.SpanKind.Client => SpanKind.Client,
                            OtlpTrace.Span.Types.SpanKind.Producer => SpanKind.Producer,
                            OtlpTrace.Span.Types.SpanKind.Consumer => SpanKind.Consumer,
                            _ => SpanKind.Internal,
                        },
                        source,
                        scope,
                        Nanos(span.StartTimeUnixNano),
                        Math.Max(Nanos(span.EndTimeUnixNano), Nanos(span.StartTimeUnixNano)),
                        span.Status?.Code switch
                        {
                            OtlpTrace.Status.Types.StatusCode.Ok => SpanStatus.Ok,
                            OtlpTrace.Status.Types.StatusCode.Error => SpanStatus.Error,
                            _ => SpanStatus.Unset,
                        },
                        string.IsNullOrEmpty(span.Status?.Message) ? null : Truncate(span.Status.Message),
                        Attributes(span.Attributes),
                        [.. span.Events.Take(TelemetryStore.MaxEventsPerSpan).Select(e => new StoredSpanEvent(Nanos(e.TimeUnixNano), Truncate(e.Name), Attributes(e.Attributes)))],
                        [.. span.Links.Take(TelemetryStore.MaxEventsPerSpan).Select(l => new StoredSpanLink(Hex(l.TraceId), Hex(l.SpanId), Attributes(l.Attributes)))]));
                }
            }
        }
        return (spans, rejected);
    }

    public static List<StoredLog> Logs(ExportLogsServiceRequest request)
    {
        var logs = new List<StoredLog>();
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var source = Source(resourceLogs.Resource?.Attributes);
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                // .NET's logging exporter puts the logger's category in the scope name.
                var category = Truncate(scopeLogs.Scope?.Name ?? "");
                foreach (var record in scopeLogs.LogRecords)
                {
                    var time = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano;
                    var message = record.Body is { } body ? Render(body) : record.EventName;
                    logs.Add(new StoredLog(
                        0,
                        time != 0 ? Nanos(time) : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000,
                        Severity(record.SeverityNumber, record.SeverityText),
                        Truncate(message),
                        category,
                        source,
                        record.TraceId.Length == TraceIdBytes ? Hex(record.TraceId) : null,
                        record.SpanId.Length == SpanIdBytes ? Hex(record.SpanId) : null,
                        Attributes(record.Attributes)));
                }
            }
        }
        return logs;
    }

    public static List<MetricBatch> Metrics(ExportMetricsServiceRequest request)
    {
        var batches = new List<MetricBatch>();
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var source = Source(resourceMetrics.Resource?.Attributes);
            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                foreach (var metric in scopeMetrics.Metrics)
                {
                    var name = Truncate(metric.Name);
                    var unit = string.IsNullOrEmpty(metric.Unit) ? null : Truncate(metric.Unit);
                    var description = string.IsNullOrEmpty(metric.Description) ? null : Truncate(metric.Description);
                    const OtlpMetrics.AggregationTemporality Cumulative = OtlpMetrics.AggregationTemporality.Cumulative;
                    MetricBatch? batch = metric.DataCase switch
                    {
                        OtlpMetrics.Metric.DataOneofCase.Gauge =>
                            new(name, unit, description, MetricKind.Gauge, false, source, Numbers(metric.Gauge.DataPoints)),
                        OtlpMetrics.Metric.DataOneofCase.Sum =>
                            new(name, unit, description, MetricKind.Sum, metric.Sum.AggregationTemporality == Cumulative, source, Numbers(metric.Sum.DataPoints)),
                        OtlpMetrics.Metric.DataOneofCase.Histogram =>
                            new(name, unit, description, MetricKind.Histogram, metric.Histogram.AggregationTemporality == Cumulative, source,
                                [.. metric.Histogram.DataPoints.Select(p => (Attributes(p.Attributes), new MetricPoint(Nanos(p.TimeUnixNano), null, p.Count, p.HasSum ? p.Sum : null)))]),
                        // Exponential histograms and summaries are not in the dashboard's subset of OTLP.
                        _ => null,
                    };
                    if (batch is not null)
                    {
                        batches.Add(batch);
                    }
                }
            }
        }
        return batches;
    }

    private static List<(IReadOnlyList<TelemetryAttribute>, MetricPoint)> Numbers(RepeatedField<OtlpMetrics.NumberDataPoint> points) =>
        [.. points.Select(p =>
        {
            double? value = p.ValueCase switch
            {
                OtlpMetrics.NumberDataPoint.ValueOneofCase.AsDouble => p.AsDouble,
                OtlpMetrics.NumberDataPoint.ValueOneofCase.AsInt => p.AsInt,
                _ => null,
            };
            return ((IReadOnlyList<TelemetryAttribute>)Attributes(p.Attributes), new MetricPoint(Nanos(p.TimeUnixNano), value is { } v && double.IsFinite(v) ? v : null));
        })];

    private static TelemetrySource Source(RepeatedField<KeyValue>? attributes)
    {
        string? service = null, instance = null;
        foreach (var attribute in attributes ?? [])
        {
            switch (attribute.Key)
            {
                case "service.name":
                    service = Truncate(Render(attribute.Value));
                    break;
                case "service.instance.id":
                    instance = Truncate(Render(attribute.Value));
                    break;
            }
        }
        return new TelemetrySource(string.IsNullOrEmpty(service) ? UnknownService : service, string.IsNullOrEmpty(instance) ? null : instance);
    }

    private static List<TelemetryAttribute> Attributes(RepeatedField<KeyValue> attributes) =>
        [.. attributes.Take(TelemetryStore.MaxAttributes).Select(a => new TelemetryAttribute(Truncate(a.Key), Truncate(Render(a.Value))))];

    private static string Render(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
        // Nesting is bounded by protobuf's recursion limit (100), so this recursion is too.
        AnyValue.ValueOneofCase.ArrayValue => $"[{string.Join(", ", value.ArrayValue.Values.Take(TelemetryStore.MaxAttributes).Select(Render))}]",
        AnyValue.ValueOneofCase.KvlistValue => $"{{{string.Join(", ", value.KvlistValue.Values.Take(TelemetryStore.MaxAttributes).Select(kv => $"{kv.Key}: {Render(kv.Value)}"))}}}",
        _ => "",
    };

    private static LogSeverity Severity(int number, string text) => number switch
    {
        >= 1 and <= 4 => LogSeverity.Trace,
        >= 5 and <= 8 => LogSeverity.Debug,
        >= 9 and <= 12 => LogSeverity.Information,
        >= 13 and <= 16 => LogSeverity.Warning,
        >= 17 and <= 20 => LogSeverity.Error,
        >= 21 => LogSeverity.Critical,
        // No number: trust a recognisable text, else call it information.
        _ => Enum.TryParse<LogSeverity>(text, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed : LogSeverity.Information,
    };

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    private static long Nanos(ulong unixNano) => unixNano > long.MaxValue ? long.MaxValue : (long)unixNano;

    private static string Truncate(string value) =>
        value.Length <= TelemetryStore.MaxValueLength ? value : string.Concat(value.AsSpan(0, TelemetryStore.MaxValueLength - 1), "…");
}
