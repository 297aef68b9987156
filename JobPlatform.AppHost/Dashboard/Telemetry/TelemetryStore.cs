namespace JobPlatform.AppHost.Dashboard.Telemetry;

/// <summary>
/// What the services sent over OTLP, kept in memory and bounded: the newest spans (indexed by trace
/// and by the <c>job.id</c> attribute), the newest structured log records, and the last points of each
/// metric series. When a bound is reached the oldest items go, and are counted. Thread-safe: the
/// receiver adds while the dashboard reads.
/// </summary>
public sealed class TelemetryStore(
    int maxSpans = TelemetryStore.DefaultMaxSpans,
    int maxLogs = TelemetryStore.DefaultMaxLogs,
    int maxSeries = TelemetryStore.DefaultMaxSeries,
    int maxPointsPerSeries = TelemetryStore.DefaultMaxPointsPerSeries)
{
    /// <summary>The most spans kept; the oldest go first. Defaults to 50,000.</summary>
    public const int DefaultMaxSpans = 50_000;

    /// <summary>The most structured log records kept; the oldest go first. Defaults to 50,000.</summary>
    public const int DefaultMaxLogs = 50_000;

    /// <summary>The most metric series (instrument, service instance, attribute set) kept; points of further series are dropped. Defaults to 2,000.</summary>
    public const int DefaultMaxSeries = 2_000;

    /// <summary>The most points kept per metric series; the oldest go first. Defaults to 300 (5 minutes at one export a second).</summary>
    public const int DefaultMaxPointsPerSeries = 300;

    /// <summary>
    /// The most characters kept of a span's or record's text and attribute values, so that item counts
    /// bound memory whatever the services send. Defaults to 4,096.
    /// </summary>
    public const int MaxValueLength = 4_096;

    /// <summary>The most attributes kept per span, event, link, log record or data point. Defaults to 64.</summary>
    public const int MaxAttributes = 64;

    /// <summary>The most events, and the most links, kept per span. Defaults to 32.</summary>
    public const int MaxEventsPerSpan = 32;

    /// <summary>
    /// About how much memory the kept spans may take, and the kept log records likewise, estimated
    /// from their text: a bound even when every span is as large as the limits above allow.
    /// Defaults to 128 MiB each.
    /// </summary>
    public const long MaxBytesPerSignal = 128L * 1024 * 1024;

    // One lock per signal: spans, logs and metrics arrive on separate requests and never need each other.
    private readonly Lock _spanLock = new();
    private readonly BoundedQueue<StoredSpan> _spans = new(maxSpans);
    private readonly Dictionary<string, TraceEntry> _traces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _tracesByJob = new(StringComparer.Ordinal);
    private long _spanSeq;
    private long _spanBytes;
    private long _spansDropped;
    private long _spansRejected;

    private readonly Lock _logLock = new();
    private readonly BoundedQueue<StoredLog> _logs = new(maxLogs);
    private long _logSeq;
    private long _logBytes;
    private long _logsDropped;

    private readonly Lock _metricLock = new();
    private readonly Dictionary<string, InstrumentEntry> _instruments = new(StringComparer.Ordinal);
    private int _seriesCount;
    private long _metricPointsDropped;

    public void AddSpans(IEnumerable<StoredSpan> spans)
    {
        lock (_spanLock)
        {
            foreach (var span in spans)
            {
                if (_spans.Add(span, out var evicted))
                {
                    Forget(evicted!);
                    _spansDropped++;
                }
                _spanBytes += ApproximateSize(span);
                while (_spanBytes > MaxBytesPerSignal && _spans.Count > 1)
                {
                    Forget(_spans.RemoveOldest());
                    _spansDropped++;
                }
                if (!_traces.TryGetValue(span.TraceId, out var trace))
                {
                    _traces[span.TraceId] = trace = new TraceEntry();
                }
                trace.Spans.Enqueue(span);
                trace.LastSeq = ++_spanSeq;
                if (span.JobId is { } jobId && (trace.JobIds ??= new(StringComparer.Ordinal)).Add(jobId))
                {
                    if (!_tracesByJob.TryGetValue(jobId, out var traces))
                    {
                        _tracesByJob[jobId] = traces = new(StringComparer.Ordinal);
                    }
                    traces.Add(span.TraceId);
                }
            }
        }
    }

    /// <summary>Counts spans the receiver could not store (no trace or span id).</summary>
    public void CountRejectedSpans(int count)
    {
        lock (_spanLock)
        {
            _spansRejected += count;
        }
    }

    // Spans leave the store in the order they entered it, and a trace's spans entered in that same
    // order, so the span evicted is always the oldest of its trace: a dequeue, not a search.
    private void Forget(StoredSpan span)
    {
        _spanBytes -= ApproximateSize(span);
        var trace = _traces[span.TraceId];
        trace.Spans.Dequeue();
        if (trace.Spans.Count > 0)
        {
            return;
        }
        _traces.Remove(span.TraceId);
        foreach (var jobId in trace.JobIds ?? [])
        {
            var traces = _tracesByJob[jobId];
            traces.Remove(span.TraceId);
            if (traces.Count == 0)
            {
                _tracesByJob.Remove(jobId);
            }
        }
    }

    // Object headers and fields, plus two bytes a character: close enough to bound memory.
    private const int ObjectOverhead = 64;

    private static long ApproximateSize(IReadOnlyList<TelemetryAttribute> attributes) =>
        attributes.Sum(a => ObjectOverhead + 2L * (a.Key.Length + a.Value.Length));

    private static long ApproximateSize(StoredSpan span) =>
        4 * ObjectOverhead + 2L * (span.TraceId.Length + span.SpanId.Length + (span.ParentSpanId?.Length ?? 0) + span.Name.Length + (span.StatusMessage?.Length ?? 0))
        + ApproximateSize(span.Attributes)
        + span.Events.Sum(e => ObjectOverhead + 2L * e.Name.Length + ApproximateSize(e.Attributes))
        + span.Links.Sum(l => ObjectOverhead + 2L * (l.TraceId.Length + l.SpanId.Length) + ApproximateSize(l.Attributes));

    private static long ApproximateSize(StoredLog log) =>
        3 * ObjectOverhead + 2L * (log.Message.Length + (log.TraceId?.Length ?? 0) + (log.SpanId?.Length ?? 0)) + ApproximateSize(log.Attributes);

    /// <summary>The newest traces first (by when their last span arrived), optionally only a job's or a service's.</summary>
    public IReadOnlyList<TraceSummary> ListTraces(string? jobId = null, string? service = null, int limit = 100)
    {
        lock (_spanLock)
        {
            IEnumerable<TraceEntry> candidates = jobId is null
                ? _traces.Values
                : _tracesByJob.TryGetValue(jobId, out var ids) ? ids.Select(id => _traces[id]) : [];
            if (service is not null)
            {
                candidates = candidates.Where(t => t.Spans.Any(s => s.Source.Service == service));
            }
            return candidates
                .OrderByDescending(t => t.LastSeq)
                .Take(limit)
                .Select(Summarize)
                .OrderByDescending(t => t.StartUnixNano)
                .ToList();
        }
    }

    private static TraceSummary Summarize(TraceEntry trace)
    {
        var spans = trace.Spans;
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        // The root is the earliest span whose parent is not here: the real root, or, while the
        // root has not arrived (or was evicted), the earliest orphan.
        var root = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).MinBy(s => s.StartUnixNano) ?? spans.Peek();
        return new TraceSummary(
            root.TraceId,
            root.Name,
            spans.OrderBy(s => s.StartUnixNano).Select(s => s.Source.Service).Distinct().ToList(),
            spans.Min(s => s.StartUnixNano),
            spans.Max(s => s.EndUnixNano),
            spans.Count,
            spans.Any(s => s.Status == SpanStatus.Error),
            spans.Select(s => s.JobId).FirstOrDefault(id => id is not null));
    }

    /// <summary>A trace's spans in start order; empty when the store has none of it.</summary>
    public IReadOnlyList<StoredSpan> GetTrace(string traceId)
    {
        lock (_spanLock)
        {
            return _traces.TryGetValue(traceId, out var trace) ? [.. trace.Spans.OrderBy(s => s.StartUnixNano)] : [];
        }
    }

    public void AddLogs(IEnumerable<StoredLog> logs)
    {
        lock (_logLock)
        {
            foreach (var log in logs)
            {
                if (_logs.Add(log with { Seq = ++_logSeq }, out var evicted))
                {
                    _logBytes -= ApproximateSize(evicted!);
                    _logsDropped++;
                }
                _logBytes += ApproximateSize(log);
                while (_logBytes > MaxBytesPerSignal && _logs.Count > 1)
                {
                    _logBytes -= ApproximateSize(_logs.RemoveOldest());
                    _logsDropped++;
                }
            }
        }
    }

    /// <summary>
    /// The newest log records first that match every filter given: the service, text in the message
    /// or an attribute value (any case), the trace, a level at least <paramref name="minLevel"/>.
    /// </summary>
    public IReadOnlyList<StoredLog> QueryLogs(string? service = null, string? text = null, string? traceId = null, LogSeverity? minLevel = null, int limit = 200)
    {
        var found = new List<StoredLog>(Math.Min(limit, 1_000));
        lock (_logLock)
        {
            for (var i = _logs.Count - 1; i >= 0 && found.Count < limit; i--)
            {
                var log = _logs[i];
                if ((service is null || log.Source.Service == service)
                    && (traceId is null || string.Equals(log.TraceId, traceId, StringComparison.OrdinalIgnoreCase))
                    && (minLevel is null || log.Level >= minLevel)
                    && (text is null
                        || log.Message.Contains(text, StringComparison.OrdinalIgnoreCase)
                        || log.Category.Contains(text, StringComparison.OrdinalIgnoreCase)
                        || log.Attributes.Any(a => a.Value.Contains(text, StringComparison.OrdinalIgnoreCase))))
                {
                    found.Add(log);
                }
            }
        }
        return found;
    }

    public void AddMetrics(IEnumerable<MetricBatch> metrics)
    {
        lock (_metricLock)
        {
            foreach (var metric in metrics)
            {
                if (!_instruments.TryGetValue(metric.Name, out var instrument))
                {
                    _instruments[metric.Name] = instrument = new InstrumentEntry(metric.Name, metric.Unit, metric.Description, metric.Kind);
                }
                instrument.Services.Add(metric.Source.Service);
                foreach (var (attributes, point) in metric.Points)
                {
                    var key = SeriesKey(metric.Source, attributes);
                    if (!instrument.Series.TryGetValue(key, out var series))
                    {
                        if (_seriesCount >= maxSeries)
                        {
                            _metricPointsDropped++;
                            continue;
                        }
                        instrument.Series[key] = series = new SeriesEntry(metric.Source, attributes, new BoundedQueue<MetricPoint>(maxPointsPerSeries));
                        _seriesCount++;
                    }
                    if (series.Points.Add(metric.Kind == MetricKind.Histogram ? HistogramPoint(series, point, metric.Cumulative) : point, out _))
                    {
                        _metricPointsDropped++;
                    }
                }
            }
        }
    }

    // A histogram is charted by its mean: over the interval since the point before when the
    // exporter sends running totals (.NET's default), over the interval itself for deltas.
    private static MetricPoint HistogramPoint(SeriesEntry series, MetricPoint point, bool cumulative)
    {
        var (count, sum) = (point.Count ?? 0, point.Sum ?? 0);
        if (cumulative && series.Points.Count > 0 && series.Points.Newest is { Count: { } lastCount, Sum: { } lastSum } && lastCount <= count)
        {
            (count, sum) = (count - lastCount, sum - lastSum);
        }
        var mean = count > 0 ? sum / count : (double?)null;
        return point with { Value = mean is { } m && double.IsFinite(m) ? m : null };
    }

    private static string SeriesKey(TelemetrySource source, IReadOnlyList<TelemetryAttribute> attributes) =>
        $"{source.Service}\n{source.Instance}\n{string.Join('\n', attributes.Select(a => $"{a.Key}={a.Value}").Order(StringComparer.Ordinal))}";

    /// <summary>Every instrument seen, by name.</summary>
    public IReadOnlyList<InstrumentInfo> ListInstruments()
    {
        lock (_metricLock)
        {
            return _instruments.Values
                .OrderBy(i => i.Name, StringComparer.Ordinal)
                .Select(i => new InstrumentInfo(i.Name, i.Unit, i.Description, i.Kind, [.. i.Services.Order(StringComparer.Ordinal)], i.Series.Count))
                .ToList();
        }
    }

    /// <summary>An instrument's series, optionally of one service only; null when the instrument is unknown.</summary>
    public IReadOnlyList<MetricSeriesSnapshot>? GetSeries(string name, string? service = null)
    {
        lock (_metricLock)
        {
            if (!_instruments.TryGetValue(name, out var instrument))
            {
                return null;
            }
            return instrument.Series.Values
                .Where(s => service is null || s.Source.Service == service)
                .OrderBy(s => s.Source.Service, StringComparer.Ordinal)
                .ThenBy(s => s.Source.Instance, StringComparer.Ordinal)
                .Select(s => new MetricSeriesSnapshot(s.Source, s.Attributes, [.. Enumerable.Range(0, s.Points.Count).Select(i => s.Points[i])]))
                .ToList();
        }
    }

    public TelemetryStoreStats GetStats()
    {
        int spans, logs, series;
        long spansDropped, spansRejected, logsDropped, pointsDropped;
        lock (_spanLock)
        {
            (spans, spansDropped, spansRejected) = (_spans.Count, _spansDropped, _spansRejected);
        }
        lock (_logLock)
        {
            (logs, logsDropped) = (_logs.Count, _logsDropped);
        }
        lock (_metricLock)
        {
            (series, pointsDropped) = (_seriesCount, _metricPointsDropped);
        }
        return new TelemetryStoreStats(spans, maxSpans, spansDropped, spansRejected, logs, maxLogs, logsDropped, series, maxSeries, pointsDropped);
    }

    private sealed class TraceEntry
    {
        public Queue<StoredSpan> Spans { get; } = new(4);

        /// <summary>When the trace last grew, in span arrivals: the list shows recently active traces first.</summary>
        public long LastSeq { get; set; }

        public HashSet<string>? JobIds { get; set; }
    }

    private sealed record InstrumentEntry(string Name, string? Unit, string? Description, MetricKind Kind)
    {
        public HashSet<string> Services { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, SeriesEntry> Series { get; } = new(StringComparer.Ordinal);
    }

    private sealed record SeriesEntry(TelemetrySource Source, IReadOnlyList<TelemetryAttribute> Attributes, BoundedQueue<MetricPoint> Points);
}
