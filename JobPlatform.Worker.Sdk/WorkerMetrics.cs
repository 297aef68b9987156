using System.Diagnostics.Metrics;
using Amazon.SQS.Model;
using JobPlatform.Worker.Sdk.Pipeline;

namespace JobPlatform.Worker.Sdk;

/// <summary>A worker's own metrics (meter <c>JobPlatform.Worker</c>): how long attempts take, how many run, and its slots.</summary>
internal sealed class WorkerMetrics
{
    public const string MeterName = "JobPlatform.Worker";

    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _running;
    private readonly Histogram<double> _messageAge;
    private readonly Histogram<int> _receiveSize;
    private readonly Histogram<int> _deleteSize;

    public WorkerMetrics(IMeterFactory meters, TaskSlots slots)
    {
        var meter = meters.Create(MeterName);
        _duration = meter.CreateHistogram<double>("jobplatform.task.duration", "s", "How long an attempt took, from its start to the answer to its report, by task type and outcome.");
        _messageAge = meter.CreateHistogram<double>(SqsMessageAge.InstrumentName, "s", "How long each task message waited in its queue before this replica received it, by queue.");
        _receiveSize = meter.CreateHistogram("jobplatform.worker.receive.messages", "{message}",
            "Messages each SQS receive brought, empty receives included, by queue: its count is the receives, its mean how well they batch.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [0, 1, 2, 3, 5, 8, 10] });
        _deleteSize = meter.CreateHistogram("jobplatform.worker.delete.messages", "{message}",
            "Messages each SQS DeleteMessageBatch call deleted or tried to, by queue.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 3, 5, 8, 10] });
        _running = meter.CreateUpDownCounter<long>("jobplatform.worker.tasks.running", "{task}", "Attempts this replica is running now.");
        meter.CreateObservableGauge("jobplatform.worker.slots", () => slots.Capacity, "{slot}", "Tasks this replica runs at once (Worker:MaxConcurrency).");
        // A slot that never comes back shrinks the worker for good: held slots at rest must be 0.
        meter.CreateObservableGauge("jobplatform.worker.slots.held", () => slots.Held, "{slot}",
            "Slots held by a received message not done with yet: being claimed, run, reported or settled.");
    }

    public void Started() => _running.Add(1);

    public void ReceiveReturned(string queue, int messages) => _receiveSize.Record(messages, new KeyValuePair<string, object?>("queue", queue));

    public void DeleteSent(string queue, int messages) => _deleteSize.Record(messages, new KeyValuePair<string, object?>("queue", queue));

    /// <summary>A message was received: records its wait since SQS accepted it (its SentTimestamp), when SQS says.</summary>
    public void Received(string queue, Message message, DateTimeOffset now)
    {
        if (SqsMessageAge.Of(message, now) is { } age)
        {
            _messageAge.Record(age, new KeyValuePair<string, object?>("queue", queue));
        }
    }

    public void Ended(string taskType, string outcome, TimeSpan elapsed)
    {
        _running.Add(-1);
        _duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("task.type", taskType), new KeyValuePair<string, object?>("outcome", outcome));
    }
}
