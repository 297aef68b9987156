using JobPlatform.AppHost.Dashboard.Telemetry;

namespace JobPlatform.Tests.Dashboard;

/// <summary>The store's bounds and indexes, on small caps (no graph needed).</summary>
public sealed class TelemetryStoreTests
{
    private static readonly TelemetrySource Api = new("api", "api");
    private static readonly TelemetrySource Worker = new("worker", "worker-1");

    private static StoredSpan Span(string traceId, string? jobId = null, string? parent = null, long start = 1_000, TelemetrySource? source = null, SpanStatus status = SpanStatus.Unset) => new(
        traceId, Guid.NewGuid().ToString("N")[..16], parent, $"span of {traceId}", SpanKind.Internal, source ?? Api, "tests",
        start, start + 500, status, null, jobId is null ? [] : [new TelemetryAttribute(StoredSpan.JobIdAttribute, jobId)], [], []);

    private static StoredLog Log(string message, LogSeverity level = LogSeverity.Information, TelemetrySource? source = null, string? traceId = null) =>
        new(0, 1_000, level, message, "Tests", source ?? Api, traceId, null, [new TelemetryAttribute("note", $"about {message}")]);

    [Fact]
    public void SpansBeyondTheCap_EvictTheOldest_WithTheirTraceAndJobEntries_AndAreCounted()
    {
        var store = new TelemetryStore(maxSpans: 4);
        store.AddSpans([Span("t1", "job-a"), Span("t1", "job-a"), Span("t2", "job-b")]);

        store.AddSpans([Span("t3", "job-c"), Span("t3", "job-c"), Span("t3", "job-c")]);

        var stats = store.GetStats();
        Assert.Equal((4, 2L), (stats.Spans, stats.SpansDropped));
        Assert.Empty(store.GetTrace("t1"));
        Assert.Empty(store.ListTraces(jobId: "job-a"));
        Assert.Single(store.GetTrace("t2"));
        Assert.Equal(3, Assert.Single(store.ListTraces(jobId: "job-c")).SpanCount);
    }

    [Fact]
    public void ATraceSummary_NamesItsRoot_ItsServices_ItsSpanAndError_AndItsJob()
    {
        var store = new TelemetryStore();
        var root = Span("t", "job-1", start: 1_000);
        store.AddSpans([
            Span("t", "job-1", parent: root.SpanId, start: 1_200, source: Worker, status: SpanStatus.Error),
            root,
            Span("t", null, parent: root.SpanId, start: 1_100),
        ]);

        var summary = Assert.Single(store.ListTraces(jobId: "job-1"));

        Assert.Equal((root.Name, 3, true, "job-1"), (summary.RootName, summary.SpanCount, summary.HasError, summary.JobId));
        Assert.Equal(["api", "worker"], summary.Services);
        Assert.Equal((1_000L, 1_700L), (summary.StartUnixNano, summary.EndUnixNano));
        Assert.Equal([1_000L, 1_100L, 1_200L], store.GetTrace("t").Select(s => s.StartUnixNano));
        Assert.Single(store.ListTraces(service: "worker"));
        Assert.Empty(store.ListTraces(service: "web"));
    }

    [Fact]
    public void Logs_AreNewestFirst_FilteredByServiceLevelTextAndTrace_AndBounded()
    {
        var store = new TelemetryStore(maxLogs: 3);
        store.AddLogs([Log("evicted"), Log("started", source: Worker, traceId: "abc"), Log("slow", LogSeverity.Warning), Log("failed", LogSeverity.Error, Worker, "abc")]);

        Assert.Equal(["failed", "slow", "started"], store.QueryLogs().Select(l => l.Message));
        Assert.Equal(["failed", "slow"], store.QueryLogs(minLevel: LogSeverity.Warning).Select(l => l.Message));
        Assert.Equal(["failed", "started"], store.QueryLogs(service: "worker").Select(l => l.Message));
        Assert.Equal(["failed", "started"], store.QueryLogs(traceId: "ABC").Select(l => l.Message));
        Assert.Equal(["slow"], store.QueryLogs(text: "ABOUT SLOW").Select(l => l.Message));
        Assert.Equal(["failed"], store.QueryLogs(limit: 1).Select(l => l.Message));
        Assert.Equal(1, store.GetStats().LogsDropped);
    }

    [Fact]
    public void CumulativeHistogramPoints_AreChartedAsTheMeanOfEachInterval()
    {
        var store = new TelemetryStore();
        MetricBatch Export(long time, ulong count, double sum) =>
            new("duration", "s", null, MetricKind.Histogram, Cumulative: true, Api, [([], new MetricPoint(time, null, count, sum))]);

        store.AddMetrics([Export(1, 2, 1.0), Export(2, 6, 3.0), Export(3, 6, 3.0)]);

        var series = Assert.Single(store.GetSeries("duration")!);
        Assert.Equal([0.5, 0.5, null], series.Points.Select(p => p.Value));
    }

    [Fact]
    public void SeriesBeyondTheCap_AreDropped_PointsBeyondTheirCap_EvictTheOldest_BothCounted()
    {
        var store = new TelemetryStore(maxSeries: 2, maxPointsPerSeries: 3);
        MetricBatch Gauge(string route, params double[] values) => new("requests", null, null, MetricKind.Gauge, false, Api,
            [.. values.Select((v, i) => ((IReadOnlyList<TelemetryAttribute>)[new TelemetryAttribute("route", route)], new MetricPoint(i, v)))]);

        store.AddMetrics([Gauge("/a", 1, 2, 3, 4, 5), Gauge("/b", 1), Gauge("/c", 1, 2)]);

        var series = store.GetSeries("requests")!;
        Assert.Equal(["/a", "/b"], series.Select(s => s.Attributes[0].Value).Order());
        Assert.Equal([3.0, 4.0, 5.0], series.Single(s => s.Attributes[0].Value == "/a").Points.Select(p => p.Value!.Value));
        Assert.Equal(2 + 2, store.GetStats().MetricPointsDropped);
        Assert.Equal(2, Assert.Single(store.ListInstruments()).SeriesCount);
    }
}
