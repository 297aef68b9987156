namespace JobPlatform.Tests.Dashboard;

// The dashboard API's answers as a browser reads them: JSON, camelCase, enums as camelCase strings.

internal sealed record TraceSummary(string TraceId, string RootName, List<string> Services, double StartTime, double DurationMs, int SpanCount, bool HasError, string? JobId);

internal sealed record TraceDetail(string TraceId, double StartTime, double DurationMs, List<SpanDetail> Spans);

internal sealed record SpanDetail(
    string SpanId, string? ParentSpanId, string Name, string Kind, string Service, string? Instance, string Scope,
    double StartTime, double EndTime, double DurationMs, string Status, List<AttributeEntry> Attributes);

internal sealed record AttributeEntry(string Key, string Value);

internal sealed record LogEntry(long Seq, double Time, string Level, string Message, string Category, string Service, string? Instance, string? TraceId, List<AttributeEntry> Attributes);

internal sealed record ResourceEntry(string Name, string Kind, string State, List<string> Urls, List<ReplicaEntry> Replicas);

internal sealed record ReplicaEntry(string Name, int? Pid, DateTimeOffset? StartedAt, double? UptimeSeconds, int Restarts, string Health, string? Url);

internal sealed record ConsoleAnswer(string Resource, long LastSeq, List<ConsoleLineEntry> Lines);

internal sealed record ConsoleLineEntry(long Seq, string Replica, DateTimeOffset Time, string Text);

internal sealed record Instrument(string Name, string? Unit, string Kind, List<string> Services, int SeriesCount);

internal sealed record SeriesAnswer(string Name, string? Unit, string Kind, List<SeriesEntry> Series);

internal sealed record SeriesEntry(string Service, string? Instance, List<AttributeEntry> Attributes, List<PointEntry> Points);

internal sealed record PointEntry(double Time, double? Value);

internal sealed record StoreStats(int Spans, int SpanCapacity, long SpansDropped, long SpansRejected, int Logs, int LogCapacity, long LogsDropped, int MetricSeries, long MetricPointsDropped);
