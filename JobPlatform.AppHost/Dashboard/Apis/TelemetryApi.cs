using JobPlatform.AppHost.Dashboard.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace JobPlatform.AppHost.Dashboard.Apis;

/// <param name="Time">Unix milliseconds, as every time of this API.</param>
public sealed record LogResponse(
    long Seq, double Time, LogSeverity Level, string Message, string Category, string Service, string? Instance,
    string? TraceId, string? SpanId, IReadOnlyList<TelemetryAttribute> Attributes);

public sealed record TraceSummaryResponse(
    string TraceId, string RootName, IReadOnlyList<string> Services, double StartTime, double DurationMs, int SpanCount, bool HasError, string? JobId);

public sealed record TraceResponse(string TraceId, double StartTime, double DurationMs, IReadOnlyList<SpanResponse> Spans);

public sealed record SpanResponse(
    string SpanId, string? ParentSpanId, string Name, SpanKind Kind, string Service, string? Instance, string Scope,
    double StartTime, double EndTime, double DurationMs, SpanStatus Status, string? StatusMessage,
    IReadOnlyList<TelemetryAttribute> Attributes, IReadOnlyList<SpanEventResponse> Events, IReadOnlyList<SpanLinkResponse> Links);

public sealed record SpanEventResponse(double Time, string Name, IReadOnlyList<TelemetryAttribute> Attributes);

public sealed record SpanLinkResponse(string TraceId, string SpanId, IReadOnlyList<TelemetryAttribute> Attributes);

public sealed record MetricSeriesResponse(string Name, string? Unit, MetricKind Kind, IReadOnlyList<SeriesResponse> Series);

public sealed record SeriesResponse(string Service, string? Instance, IReadOnlyList<TelemetryAttribute> Attributes, IReadOnlyList<PointResponse> Points);

/// <param name="Value">Null where nothing was recorded (a histogram with no new observations).</param>
public sealed record PointResponse(double Time, double? Value);

internal static class TelemetryApi
{
    /// <summary>The most log records or traces one call returns. Defaults to 1,000.</summary>
    public const int MaxLimit = 1_000;

    public static IEndpointRouteBuilder MapTelemetryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/logs", GetLogs).WithName("GetLogs")
            .WithSummary("Structured log records, newest first, by service, text (q), trace id and minimum level (trace, debug, information, warning, error, critical).");
        api.MapGet("/traces", GetTraces).WithName("GetTraces").WithSummary("Trace summaries, newest first, optionally of one job (the span attribute job.id) or service.");
        api.MapGet("/traces/{traceId}", GetTrace).WithName("GetTrace").WithSummary("Every span of a trace, in start order.");
        api.MapGet("/metrics", GetInstruments).WithName("GetInstruments").WithSummary("Every instrument received, with its unit and services.");
        api.MapGet("/metrics/series", GetSeries).WithName("GetMetricSeries").WithSummary("An instrument's points, per service instance and attribute set.");
        api.MapGet("/telemetry", GetStats).WithName("GetTelemetryStats").WithSummary("How full the telemetry store is and what it dropped.");
        return app;
    }

    private static Results<Ok<List<LogResponse>>, ProblemHttpResult> GetLogs(
        [AsParameters] DashboardServices services, string? service = null, string? q = null, string? traceId = null, string? level = null, int limit = 200)
    {
        if (InvalidLimit(limit) is { } invalid)
        {
            return invalid;
        }
        LogSeverity? minLevel = null;
        if (!string.IsNullOrEmpty(level))
        {
            if (!Enum.TryParse<LogSeverity>(level, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(level, out _))
            {
                return TypedResults.Problem(title: "Invalid level", detail: $"level must be one of {string.Join(", ", Enum.GetNames<LogSeverity>().Select(n => n.ToLowerInvariant()))}.", statusCode: StatusCodes.Status400BadRequest);
            }
            minLevel = parsed;
        }
        var logs = services.Store.QueryLogs(NullIfEmpty(service), NullIfEmpty(q), NullIfEmpty(traceId), minLevel, limit);
        return TypedResults.Ok(logs.Select(l => new LogResponse(
            l.Seq, UnixTime.Milliseconds(l.TimeUnixNano), l.Level, l.Message, l.Category, l.Source.Service, l.Source.Instance, l.TraceId, l.SpanId, l.Attributes)).ToList());
    }

    private static Results<Ok<List<TraceSummaryResponse>>, ProblemHttpResult> GetTraces(
        [AsParameters] DashboardServices services, string? jobId = null, string? service = null, int limit = 100)
    {
        if (InvalidLimit(limit) is { } invalid)
        {
            return invalid;
        }
        return TypedResults.Ok(services.Store.ListTraces(NullIfEmpty(jobId), NullIfEmpty(service), limit).Select(t => new TraceSummaryResponse(
            t.TraceId, t.RootName, t.Services, UnixTime.Milliseconds(t.StartUnixNano), UnixTime.Milliseconds(t.EndUnixNano - t.StartUnixNano),
            t.SpanCount, t.HasError, t.JobId)).ToList());
    }

    private static Results<Ok<TraceResponse>, ProblemHttpResult> GetTrace(string traceId, [AsParameters] DashboardServices services)
    {
        var spans = services.Store.GetTrace(traceId.ToLowerInvariant());
        if (spans.Count == 0)
        {
            return TypedResults.Problem(title: "No such trace", detail: $"The dashboard holds no span of trace '{traceId}' (never received, or evicted).", statusCode: StatusCodes.Status404NotFound);
        }
        var start = spans.Min(s => s.StartUnixNano);
        var end = spans.Max(s => s.EndUnixNano);
        return TypedResults.Ok(new TraceResponse(traceId.ToLowerInvariant(), UnixTime.Milliseconds(start), UnixTime.Milliseconds(end - start), [.. spans.Select(s => new SpanResponse(
            s.SpanId, s.ParentSpanId, s.Name, s.Kind, s.Source.Service, s.Source.Instance, s.Scope,
            UnixTime.Milliseconds(s.StartUnixNano), UnixTime.Milliseconds(s.EndUnixNano), UnixTime.Milliseconds(s.EndUnixNano - s.StartUnixNano),
            s.Status, s.StatusMessage, s.Attributes,
            [.. s.Events.Select(e => new SpanEventResponse(UnixTime.Milliseconds(e.TimeUnixNano), e.Name, e.Attributes))],
            [.. s.Links.Select(l => new SpanLinkResponse(l.TraceId, l.SpanId, l.Attributes))]))]));
    }

    private static Ok<IReadOnlyList<InstrumentInfo>> GetInstruments([AsParameters] DashboardServices services) =>
        TypedResults.Ok(services.Store.ListInstruments());

    private static Results<Ok<MetricSeriesResponse>, ProblemHttpResult> GetSeries([AsParameters] DashboardServices services, string? name = null, string? service = null)
    {
        if (string.IsNullOrEmpty(name))
        {
            return TypedResults.Problem(title: "Missing name", detail: "name (an instrument's name, from GET /api/metrics) is required.", statusCode: StatusCodes.Status400BadRequest);
        }
        var instrument = services.Store.ListInstruments().FirstOrDefault(i => i.Name == name);
        if (instrument is null || services.Store.GetSeries(name, NullIfEmpty(service)) is not { } series)
        {
            return TypedResults.Problem(title: "No such instrument", detail: $"No service has sent the instrument '{name}'.", statusCode: StatusCodes.Status404NotFound);
        }
        return TypedResults.Ok(new MetricSeriesResponse(instrument.Name, instrument.Unit, instrument.Kind, [.. series.Select(s => new SeriesResponse(
            s.Source.Service, s.Source.Instance, s.Attributes, [.. s.Points.Select(p => new PointResponse(UnixTime.Milliseconds(p.TimeUnixNano), p.Value))]))]));
    }

    private static Ok<TelemetryStoreStats> GetStats([AsParameters] DashboardServices services) => TypedResults.Ok(services.Store.GetStats());

    private static ProblemHttpResult? InvalidLimit(int limit) => limit is < 1 or > MaxLimit
        ? TypedResults.Problem(title: "Invalid limit", detail: $"limit must be from 1 to {MaxLimit}.", statusCode: StatusCodes.Status400BadRequest)
        : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
