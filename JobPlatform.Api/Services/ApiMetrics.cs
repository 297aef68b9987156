using System.Diagnostics.Metrics;
using JobPlatform.Api.Lifecycle;
using JobPlatform.Api.Data;
using JobPlatform.Contracts;

namespace JobPlatform.Api.Services;

/// <summary>
/// The Api's own metrics (meter <c>JobPlatform.Api</c>), served on <c>/metrics</c> and sent over OTLP
/// when configured: what happens to tasks, and what waits (queues, outbox, running tasks) as last
/// sampled by <see cref="MetricsSampler"/>.
/// </summary>
public sealed class ApiMetrics
{
    public const string MeterName = "JobPlatform.Api";

    private readonly Counter<long> _submitted;
    private readonly Counter<long> _finished;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _leasesExpired;
    private readonly Counter<long> _pruned;
    private readonly Histogram<double> _messageAge;
    private readonly Histogram<double> _firingLateness;

    public ApiMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _submitted = meter.CreateCounter<long>("jobplatform.tasks.submitted", "{task}", "Tasks created by job submissions.");
        _finished = meter.CreateCounter<long>("jobplatform.tasks.finished", "{task}", "Tasks that reached a final status, by status.");
        _retried = meter.CreateCounter<long>("jobplatform.tasks.retried", "{task}", "Failed attempts that will be retried after a backoff.");
        _deadLettered = meter.CreateCounter<long>("jobplatform.tasks.dead_lettered", "{task}", "Tasks dead-lettered: by the redrive policy, or their last attempt lost its worker.");
        _pruned = meter.CreateCounter<long>("jobplatform.pruned", "{row}", "Rows deleted by retention or DELETE /jobs/{id}, by kind: jobs, tasks, idempotency_keys, dead_letters.");
        _leasesExpired = meter.CreateCounter<long>("jobplatform.leases.expired", "{lease}", "Running tasks whose lease ran out with no report.");
        _firingLateness = meter.CreateHistogram<double>("jobplatform.schedules.firing.lateness", "s",
            "How late each schedule firing was: from its fire time to the moment it fired, by outcome (submitted or skipped).");
        _messageAge = meter.CreateHistogram<double>(SqsMessageAge.InstrumentName, "s", "How long each dead letter waited in the dead-letter queue before the drainer received it.");
        meter.CreateObservableGauge("jobplatform.queue.messages", () => Sample.Queues.Select(q =>
            new Measurement<long>(q.Visible, new("queue", q.Queue), new("state", "visible"))).Concat(Sample.Queues.Select(q =>
            new Measurement<long>(q.InFlight, new("queue", q.Queue), new("state", "in_flight")))), "{message}", "Messages in each SQS queue, the dead-letter queue included.");
        meter.CreateObservableGauge("jobplatform.outbox.backlog", () => Sample.OutboxBacklog, "{message}", "Task messages stored but not yet sent to SQS.");
        meter.CreateObservableGauge("jobplatform.outbox.lag", () => Sample.OutboxLag.TotalSeconds, "s", "Age of the oldest unsent task message.");
        meter.CreateObservableGauge("jobplatform.tasks.running", () => Sample.RunningByTenant.Select(r =>
            new Measurement<long>(r.Running, new KeyValuePair<string, object?>("tenant.id", r.TenantId))), "{task}", "Tasks running now, per tenant.");
    }

    /// <summary>The latest sample of what waits; replaced whole by <see cref="MetricsSampler"/>.</summary>
    public MetricsSample Sample { get; set; } = MetricsSample.Empty;

    public void Submitted(string taskType, int tasks) => _submitted.Add(tasks, new KeyValuePair<string, object?>("task.type", taskType));

    /// <summary>Counts what applied reports did: final statuses and retries.</summary>
    public void Reported(IEnumerable<ReportOutcome> outcomes)
    {
        foreach (var outcome in outcomes)
        {
            if (outcome is not ReportOutcome.Applied applied)
            {
                continue;
            }
            if (applied.Status == JobTaskStatus.Retrying)
            {
                _retried.Add(1);
            }
            else if (JobTaskStatus.Final.Contains(applied.Status))
            {
                _finished.Add(1, new KeyValuePair<string, object?>("status", applied.Status));
            }
        }
    }

    /// <summary>A schedule fired (on time or late, submitted or skipped); triggers by hand are not counted.</summary>
    public void Fired(string outcome, TimeSpan lateness) =>
        _firingLateness.Record(Math.Max(0, lateness.TotalSeconds), new KeyValuePair<string, object?>("outcome", outcome));

    public void MessageReceived(string queue, double ageSeconds) => _messageAge.Record(ageSeconds, new KeyValuePair<string, object?>("queue", queue));

    public void DeadLettered(int tasks)
    {
        if (tasks > 0)
        {
            _deadLettered.Add(tasks);
            _finished.Add(tasks, new KeyValuePair<string, object?>("status", JobTaskStatus.DeadLettered));
        }
    }

    public void Pruned(int jobs, int tasks, int idempotencyKeys, int deadLetters)
    {
        foreach (var (kind, rows) in new[] { ("jobs", jobs), ("tasks", tasks), ("idempotency_keys", idempotencyKeys), ("dead_letters", deadLetters) })
        {
            if (rows > 0)
            {
                _pruned.Add(rows, new KeyValuePair<string, object?>("kind", kind));
            }
        }
    }

    public void LeasesExpired(int leases)
    {
        if (leases > 0)
        {
            _leasesExpired.Add(leases);
        }
    }
}

/// <summary>One sample of what waits: queues, the outbox, running tasks.</summary>
public sealed record MetricsSample(
    IReadOnlyList<(string Queue, long Visible, long InFlight)> Queues,
    long OutboxBacklog,
    TimeSpan OutboxLag,
    IReadOnlyList<(string TenantId, long Running)> RunningByTenant)
{
    public static MetricsSample Empty { get; } = new([], 0, TimeSpan.Zero, []);
}
