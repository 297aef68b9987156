namespace JobPlatform.AppHost.Dashboard.Telemetry;

/// <summary>An attribute, its value rendered as text (arrays and maps as JSON-like text).</summary>
public sealed record TelemetryAttribute(string Key, string Value);

/// <summary>Who sent an item: the resource attributes <c>service.name</c> and <c>service.instance.id</c>.</summary>
public sealed record TelemetrySource(string Service, string? Instance);

/// <summary>One span as received, with its service and instance.</summary>
public sealed record StoredSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    SpanKind Kind,
    TelemetrySource Source,
    string Scope,
    long StartUnixNano,
    long EndUnixNano,
    SpanStatus Status,
    string? StatusMessage,
    IReadOnlyList<TelemetryAttribute> Attributes,
    IReadOnlyList<StoredSpanEvent> Events,
    IReadOnlyList<StoredSpanLink> Links)
{
    /// <summary>The span attribute the job platform's spans carry to tie a trace to a job.</summary>
    public const string JobIdAttribute = "job.id";

    public string? JobId => Attributes.FirstOrDefault(a => a.Key == JobIdAttribute)?.Value;
}

public sealed record StoredSpanEvent(long TimeUnixNano, string Name, IReadOnlyList<TelemetryAttribute> Attributes);

public sealed record StoredSpanLink(string TraceId, string SpanId, IReadOnlyList<TelemetryAttribute> Attributes);

/// <summary>OTLP's span kinds, without "unspecified" (read as internal).</summary>
public enum SpanKind
{
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

public enum SpanStatus
{
    Unset,
    Ok,
    Error,
}

/// <summary>One structured log record; <see cref="Seq"/> numbers records in the order they arrived.</summary>
public sealed record StoredLog(
    long Seq,
    long TimeUnixNano,
    LogSeverity Level,
    string Message,
    string Category,
    TelemetrySource Source,
    string? TraceId,
    string? SpanId,
    IReadOnlyList<TelemetryAttribute> Attributes);

/// <summary>.NET's log levels, which OTLP's severity numbers come in ranges of four of.</summary>
public enum LogSeverity
{
    Trace,
    Debug,
    Information,
    Warning,
    Error,
    Critical,
}

/// <summary>What kind of instrument a metric came from, as OTLP says.</summary>
public enum MetricKind
{
    Gauge,
    Sum,
    Histogram,
}

/// <summary>
/// One point of a series: a gauge's or sum's value, or a histogram's mean since the point before (null
/// when nothing was recorded in between, or the value is not a finite number).
/// </summary>
public readonly record struct MetricPoint(long TimeUnixNano, double? Value, ulong? Count = null, double? Sum = null);

/// <summary>A metric as received in one export: its instrument, source, attributes and points.</summary>
public sealed record MetricBatch(
    string Name,
    string? Unit,
    string? Description,
    MetricKind Kind,
    bool Cumulative,
    TelemetrySource Source,
    IReadOnlyList<(IReadOnlyList<TelemetryAttribute> Attributes, MetricPoint Point)> Points);

/// <summary>An instrument seen from one or more services.</summary>
public sealed record InstrumentInfo(string Name, string? Unit, string? Description, MetricKind Kind, IReadOnlyList<string> Services, int SeriesCount);

/// <summary>The points of one instrument for one source and one attribute set, oldest first.</summary>
public sealed record MetricSeriesSnapshot(TelemetrySource Source, IReadOnlyList<TelemetryAttribute> Attributes, IReadOnlyList<MetricPoint> Points);

/// <summary>A trace at a glance, for the list of traces.</summary>
public sealed record TraceSummary(
    string TraceId,
    string RootName,
    IReadOnlyList<string> Services,
    long StartUnixNano,
    long EndUnixNano,
    int SpanCount,
    bool HasError,
    string? JobId);

/// <summary>How full the store is and what it had to let go.</summary>
public sealed record TelemetryStoreStats(
    int Spans, int SpanCapacity, long SpansDropped, long SpansRejected,
    int Logs, int LogCapacity, long LogsDropped,
    int MetricSeries, int MetricSeriesCapacity, long MetricPointsDropped);
