using System.Globalization;
using System.Text;

namespace JobPlatform.Bench.Soak;

/// <summary>What a soak did and found; <see cref="Render"/> prints it.</summary>
public sealed record SoakReport(
    SoakOptions Options,
    TimeSpan LoadTime,
    TimeSpan DrainTime,
    int Workers,
    IReadOnlyList<RequestRecord> Requests,
    IReadOnlyList<FaultWindow> Faults,
    SoakAudit Audit,
    IReadOnlySet<Guid> AcknowledgedJobs,
    int AcknowledgedJobsMissing,
    int UnacknowledgedJobs,
    int UnansweredSubmissions,
    int Replays,
    int IdempotencyViolations,
    int StreamsOpened,
    long EventsReceived,
    int TurnsSkipped)
{
    /// <summary>Requests that overlapped a fault's window or its grace.</summary>
    public IReadOnlyList<RequestRecord> InsideFaults => Requests.Where(r => RequestLedger.InWindow(r, Faults, Options.Grace)).ToList();

    public IReadOnlyList<RequestRecord> OutsideFaults => Requests.Where(r => !RequestLedger.InWindow(r, Faults, Options.Grace)).ToList();

    public int ErrorsInside => InsideFaults.Count(r => r.Outcome == RequestOutcome.Error);

    public int ErrorsOutside => OutsideFaults.Count(r => r.Outcome == RequestOutcome.Error);

    public double ErrorRateOutside => OutsideFaults.Count == 0 ? 0 : (double)ErrorsOutside / OutsideFaults.Count;

    /// <summary>Tasks lost: never stored, or not final once every job should be; with jobs the Api acknowledged and did not keep.</summary>
    public long LostTasks => Audit.LostTasks;

    /// <summary>Whether every promise held: no task or job lost, every job final, no invariant broken, one job per key.</summary>
    public bool Passed => LostTasks == 0 && Audit.UnfinishedJobs == 0 && Audit.InvariantViolations == 0
        && AcknowledgedJobsMissing == 0 && IdempotencyViolations == 0 && UnacknowledgedJobs == 0;

    public string Render()
    {
        var text = new StringBuilder();
        void Line(string figure, string value) => text.AppendLine(CultureInfo.InvariantCulture, $"{figure,-32} {value}");
        static string Counts(IEnumerable<KeyValuePair<string, long>> counts) => string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value:N0}"));

        var build =
#if DEBUG
            "Debug";
#else
            "Release";
#endif
        text.AppendLine(CultureInfo.InvariantCulture,
            $"JobPlatform chaos soak, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}, {Environment.ProcessorCount} cores, {build} build, seed {Options.Seed}");
        Line("duration", $"{LoadTime.TotalMinutes:N1} min of load and faults, then {DrainTime.TotalSeconds:N0} s until every job was final");
        Line("load", $"{Options.Tenants} tenants at {Options.RateLimitPerMinute} requests/min each (their rate limit), {Workers} worker replicas");
        var byOutcome = Requests.GroupBy(r => r.Outcome).ToDictionary(g => g.Key, g => g.Count());
        Line("requests made", $"{Requests.Count:N0}: ok {byOutcome.GetValueOrDefault(RequestOutcome.Ok):N0}, 429 (own limit) {byOutcome.GetValueOrDefault(RequestOutcome.Throttled):N0}, " +
            $"409 (key in progress) {byOutcome.GetValueOrDefault(RequestOutcome.InFlight):N0}, errors {byOutcome.GetValueOrDefault(RequestOutcome.Error):N0}");
        Line("  by route", string.Join(", ", Requests.GroupBy(r => r.Route).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count():N0}")));
        Line("errors inside fault windows", $"{ErrorsInside:N0} of {InsideFaults.Count:N0} requests (windows plus {Options.Grace.TotalSeconds:N0} s grace)");
        foreach (var kind in Faults.Select(f => f.Kind).Distinct().Order())
        {
            var windows = Faults.Where(f => f.Kind == kind).ToList();
            var during = Requests.Where(r => RequestLedger.InWindow(r, windows, Options.Grace)).ToList();
            var errors = during.Where(r => r.Outcome == RequestOutcome.Error).ToList();
            Line($"  {FaultInjector.Describe(kind)}", $"{errors.Count:N0} errors of {during.Count:N0} requests ({string.Join(", ", errors.GroupBy(e => e.Status?.ToString(CultureInfo.InvariantCulture) ?? e.Failure).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"))})");
        }
        // One example of each kind of error answer, to tell a fault's expected 503 from a bug's 500.
        foreach (var sample in Requests.Where(r => r.Outcome == RequestOutcome.Error && r.Status is not null)
            .GroupBy(r => (r.Route, r.Status)).Select(g => g.First()).Take(10))
        {
            Line("  e.g.", $"{sample.Start:mm\\:ss\\.f} {sample.Route} {sample.Status}: {sample.Failure}");
        }
        Line("errors outside fault windows", $"{ErrorsOutside:N0} of {OutsideFaults.Count:N0} requests: error rate {ErrorRateOutside:P2}");
        foreach (var error in OutsideFaults.Where(r => r.Outcome == RequestOutcome.Error).Take(10))
        {
            Line("  outside", $"{error.Start:mm\\:ss\\.f} {error.Route} {error.Status?.ToString(CultureInfo.InvariantCulture) ?? "no answer"} {error.Failure}");
        }
        Line("faults injected", $"{Faults.Count}: {string.Join(", ", Faults.GroupBy(f => f.Kind).OrderBy(g => g.Key).Select(g => $"{FaultInjector.Describe(g.Key)} {g.Count()}"))}");
        if (Faults.Count > 0)
        {
            Line("  time in faults", $"{Faults.Sum(f => (f.End - f.Start).TotalSeconds):N0} s of {LoadTime.TotalSeconds:N0} s");
        }
        Line("jobs", $"{Audit.Jobs:N0} ({Counts(Audit.JobsByStatus)}); acknowledged {AcknowledgedJobs.Count:N0}, not kept {AcknowledgedJobsMissing}, stored but never acknowledged {UnacknowledgedJobs}, submissions unanswered {UnansweredSubmissions}");
        Line("idempotent replays", $"{Replays:N0} returned their job, {IdempotencyViolations} did not");
        Line("event streams", $"{StreamsOpened:N0} opened and closed, {EventsReceived:N0} events");
        Line("tasks", $"{Audit.TasksSubmitted:N0} submitted ({Counts(Audit.TasksByStatus)})");
        Line("tasks run (attempts)", $"{Audit.Attempts:N0} ({Counts(Audit.AttemptsByOutcome)})");
        Line("tasks lost", $"{LostTasks:N0} (missing {Audit.MissingTasks}, not final {Audit.UnfinishedTasks})");
        Line("jobs not final", $"{Audit.UnfinishedJobs:N0}");
        Line("invariant violations", $"{Audit.InvariantViolations:N0} (open attempts {Audit.OpenAttempts}, succeeded twice {Audit.TasksSucceededTwice}, " +
            $"succeeded without one succeeded attempt {Audit.SucceededTasksWithoutTheirAttempt}, attempt counts off {Audit.JobsWithAttemptCountsOff}, counters off {Audit.JobsWithCountersOff})");
        if (TurnsSkipped > 0)
        {
            Line("turns skipped", $"{TurnsSkipped:N0} (the load's in-flight bound reached)");
        }
        Line("verdict", Passed ? "PASSED" : "FAILED");
        return text.ToString();
    }
}
