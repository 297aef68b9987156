namespace JobPlatform.Contracts;

/// <summary>
/// The body of POST /api/v1/schedules, and of PATCH /api/v1/schedules/{id}, where a field left out
/// keeps its value.
/// </summary>
/// <param name="Name">A label for people. Required on create.</param>
/// <param name="Cron">
/// When it fires: five fields (minute hour day-of-month month day-of-week) or six with seconds first,
/// as Cronos reads them (<c>*/5 * * * *</c>, <c>0 30 2 * * *</c>, <c>@daily</c>). Required on create.
/// </param>
/// <param name="TimeZone">The IANA time zone the expression is read in (<c>Europe/Berlin</c>). Defaults to <c>UTC</c>.</param>
/// <param name="Job">The job each firing submits: what POST /api/v1/jobs takes (without <c>runAt</c> or <c>delay</c>). Required on create.</param>
/// <param name="Overlap">
/// What a firing does while the previous firing's job is unfinished (see <see cref="OverlapPolicies"/>).
/// Defaults to <c>skip</c>.
/// </param>
/// <param name="CatchUp">What happens to fire times missed while no Api could fire them (see <see cref="CatchUpPolicies"/>). Defaults to <c>skip</c>.</param>
/// <param name="Paused">A paused schedule does not fire; resumed, it fires from its next fire time on. Defaults to false.</param>
public sealed record ScheduleRequest(
    string? Name = null,
    string? Cron = null,
    string? TimeZone = null,
    SubmitJobRequest? Job = null,
    string? Overlap = null,
    string? CatchUp = null,
    bool? Paused = null);

/// <summary>A schedule as the Api returns it.</summary>
/// <param name="NextFireAt">When it fires next; null while it is paused.</param>
/// <param name="LastFireAt">The fire time of its latest firing, on time or by hand; null before the first.</param>
/// <param name="NextFireTimes">Its next fire times (five), whether paused or not; filled in for a single schedule.</param>
/// <param name="RecentRuns">Its latest firings, newest first; filled in for a single schedule.</param>
public sealed record ScheduleResponse(
    Guid Id,
    string Name,
    string Cron,
    string TimeZone,
    SubmitJobRequest Job,
    string Overlap,
    string CatchUp,
    bool Paused,
    DateTimeOffset? NextFireAt,
    DateTimeOffset? LastFireAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<DateTimeOffset>? NextFireTimes = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<ScheduleRunResponse>? RecentRuns = null);

/// <summary>One firing of a schedule: the job it submitted, or why it submitted none.</summary>
/// <param name="FireTime">The occurrence it fired for (the moment of a trigger by hand).</param>
/// <param name="FiredAt">When the Api fired it: its lateness is <c>FiredAt - FireTime</c>.</param>
/// <param name="Outcome"><c>submitted</c> or <c>skipped</c> (see <see cref="ScheduleRunOutcomes"/>).</param>
/// <param name="JobStatus">The job's status now; null when it submitted none, or the job was deleted.</param>
/// <param name="Reason">Why it was skipped, or a note on a catch-up firing.</param>
/// <param name="Manual">True for POST /schedules/{id}/trigger.</param>
public sealed record ScheduleRunResponse(
    long Id,
    DateTimeOffset FireTime,
    DateTimeOffset FiredAt,
    string Outcome,
    Guid? JobId,
    string? JobStatus,
    string? Reason,
    bool Manual);

/// <summary>GET /api/v1/schedules/preview: the next fire times of an expression in a time zone.</summary>
public sealed record SchedulePreviewResponse(string Cron, string TimeZone, IReadOnlyList<DateTimeOffset> FireTimes);

/// <summary>What a firing does while the previous firing's job is unfinished.</summary>
public static class OverlapPolicies
{
    /// <summary>The firing submits nothing and is recorded as skipped.</summary>
    public const string Skip = "skip";

    /// <summary>The firing submits its job anyway: runs may overlap.</summary>
    public const string Allow = "allow";

    /// <summary>The previous job is cancelled, then the firing submits its job.</summary>
    public const string CancelPrevious = "cancel-previous";

    public static IReadOnlyList<string> All { get; } = [Skip, Allow, CancelPrevious];
}

/// <summary>
/// What happens to fire times that passed while no Api could fire them (more than
/// <see cref="ScheduleLimits.MissedAfter"/> ago when an Api looked).
/// </summary>
public static class CatchUpPolicies
{
    /// <summary>Missed fire times are recorded as one skipped run; the schedule goes on from its next fire time.</summary>
    public const string Skip = "skip";

    /// <summary>One job is submitted for all the missed fire times (for the latest of them).</summary>
    public const string Once = "once";

    public static IReadOnlyList<string> All { get; } = [Skip, Once];
}

/// <summary>How a firing ended.</summary>
public static class ScheduleRunOutcomes
{
    public const string Submitted = "submitted";
    public const string Skipped = "skipped";
}

/// <summary>Limits on schedules.</summary>
public static class ScheduleLimits
{
    /// <summary>The longest schedule name, in characters.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The longest cron expression, in characters.</summary>
    public const int MaxCronLength = 200;

    /// <summary>How many fire times a schedule's page and the preview show.</summary>
    public const int PreviewCount = 5;

    /// <summary>How many recent runs a schedule's page shows.</summary>
    public const int RecentRuns = 20;

    /// <summary>How many runs a schedule keeps; older ones are deleted as it fires.</summary>
    public const int KeptRuns = 1_000;

    /// <summary>
    /// A fire time more than this far in the past when an Api first looks at it was missed (the Apis
    /// were down or stalled), and its schedule's catch-up policy decides what happens: 1 minute.
    /// </summary>
    public static readonly TimeSpan MissedAfter = TimeSpan.FromMinutes(1);

    /// <summary>The time zone a schedule uses when it names none.</summary>
    public const string DefaultTimeZone = "UTC";
}
