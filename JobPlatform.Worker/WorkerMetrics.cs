using System.Diagnostics.Metrics;

namespace JobPlatform.Worker;

/// <summary>A worker's own metrics (meter <c>JobPlatform.Worker</c>): how long attempts take, and how many run.</summary>
public sealed class WorkerMetrics
{
    public const string MeterName = "JobPlatform.Worker";

    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _running;
    private readonly Histogram<double> _messageAge;

    public WorkerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _duration = meter.CreateHistogram<double>("jobplatform.task.duration", "s", "How long an attempt took, from its start to the answer to its report, by task type and outcome.");
        _messageAge = meter.CreateHistogram<double>(SqsMessageAge.InstrumentName, "s", "How long each task message waited in its queue before this replica received it, by queue.");
        _running = meter.CreateUpDownCounter<long>("jobplatform.worker.tasks.running", "{task}", "Attempts this replica is running now.");
    }

    public void Started() => _running.Add(1);

    public void Received(string queue, double ageSeconds) => _messageAge.Record(ageSeconds, new KeyValuePair<string, object?>("queue", queue));

    public void Ended(string taskType, string outcome, TimeSpan elapsed)
    {
        _running.Add(-1);
        _duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("task.type", taskType), new KeyValuePair<string, object?>("outcome", outcome));
    }
}
