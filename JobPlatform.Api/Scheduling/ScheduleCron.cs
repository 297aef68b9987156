using Cronos;
using JobPlatform.Contracts;

namespace JobPlatform.Api.Scheduling;

/// <summary>
/// A schedule's cron expression read in its time zone (Cronos). Daylight-saving changes follow
/// Cronos: a fire time in the hour the clocks skip fires once, at the moment they jump (a daily 02:30
/// fires at 03:00 that day), and one in the hour they repeat fires once, at its first pass; an
/// expression that fires every so often (<c>*/15</c> minutes) fires in both passes.
/// </summary>
public sealed class ScheduleCron
{
    private readonly CronExpression _expression;

    private ScheduleCron(CronExpression expression, TimeZoneInfo zone) => (_expression, Zone) = (expression, zone);

    public TimeZoneInfo Zone { get; }

    /// <summary>
    /// Reads an expression (five fields, or six with seconds first, or a macro such as <c>@daily</c>)
    /// and a time zone; what is wrong goes to <paramref name="errors"/> under the field's name.
    /// </summary>
    public static ScheduleCron? Parse(string? cron, string? timeZone, Dictionary<string, string[]> errors)
    {
        CronExpression? expression = null;
        if (string.IsNullOrWhiteSpace(cron))
        {
            errors["cron"] = ["cron is required: five fields (minute hour day-of-month month day-of-week), or six with seconds first, for example '*/5 * * * *'."];
        }
        else if (cron.Length > ScheduleLimits.MaxCronLength)
        {
            errors["cron"] = [$"cron is at most {ScheduleLimits.MaxCronLength} characters."];
        }
        else
        {
            var trimmed = cron.Trim();
            var fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            var format = fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
            if (fields is not (5 or 6) && !trimmed.StartsWith('@'))
            {
                errors["cron"] = [$"'{cron}' has {fields} fields; a cron expression has five (minute hour day-of-month month day-of-week), or six with seconds first."];
            }
            else
            {
                try
                {
                    expression = CronExpression.Parse(trimmed, format);
                }
                catch (CronFormatException ex)
                {
                    errors["cron"] = [$"'{cron}' is not a cron expression: {ex.Message}"];
                }
            }
        }

        var zoneId = string.IsNullOrWhiteSpace(timeZone) ? ScheduleLimits.DefaultTimeZone : timeZone.Trim();
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var zone))
        {
            errors["timeZone"] = [$"'{timeZone}' is not a time zone. Use an IANA name such as 'UTC', 'Europe/Berlin' or 'America/New_York'."];
        }
        return expression is null || zone is null ? null : new ScheduleCron(expression, zone);
    }

    /// <summary>The first fire time strictly after <paramref name="instant"/>, in UTC; null when there is none (an expression for a date that never comes).</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset instant) => _expression.GetNextOccurrence(instant, Zone)?.ToUniversalTime();

    /// <summary>The next <paramref name="count"/> fire times after <paramref name="instant"/>, with the zone's offset of each.</summary>
    public IReadOnlyList<DateTimeOffset> Next(DateTimeOffset instant, int count)
    {
        var times = new List<DateTimeOffset>(count);
        var from = instant;
        while (times.Count < count && _expression.GetNextOccurrence(from, Zone) is { } next)
        {
            times.Add(next);
            from = next;
        }
        return times;
    }

    /// <summary>
    /// What one look at a due schedule fires: each fire time from <paramref name="due"/> to
    /// <paramref name="now"/>. Those more than <see cref="ScheduleLimits.MissedAfter"/> old were
    /// missed: with catch-up <c>skip</c> they become one skipped run, with <c>once</c> one firing (for
    /// the latest of them). The rest fire. The schedule is next due at the first fire time after now.
    /// </summary>
    public FiringPlan Plan(DateTimeOffset due, DateTimeOffset now, string catchUp)
    {
        var missedBefore = now - ScheduleLimits.MissedAfter;
        var (missed, firstMissed, lastMissed) = (0, default(DateTimeOffset), default(DateTimeOffset));
        var firings = new List<PlannedFiring>();
        // From just before the due time, not from it inclusive: a fire time the clocks skipped is
        // shifted to the moment they jump, and Cronos finds it only when it searches from before the jump.
        foreach (var time in _expression.GetOccurrences(due.AddTicks(-1), now, Zone, fromInclusive: false, toInclusive: true))
        {
            var utc = time.ToUniversalTime();
            if (utc < missedBefore)
            {
                // Counted, not kept: a day's downtime of a schedule that fires every second is 86,400 of them.
                (missed, firstMissed, lastMissed) = (missed + 1, missed == 0 ? utc : firstMissed, utc);
                if (missed == MaxMissedCounted)
                {
                    break;
                }
                continue;
            }
            firings.Add(new PlannedFiring(utc, Skipped: false, Reason: null));
        }
        if (missed > 0)
        {
            var count = missed == MaxMissedCounted ? $"at least {missed:N0}" : $"{missed:N0}";
            var span = missed == 1 ? $"{firstMissed:u}" : $"from {firstMissed:u} to {lastMissed:u}";
            firings.Insert(0, catchUp == CatchUpPolicies.Once
                ? new PlannedFiring(lastMissed, Skipped: false, $"Catch-up (once) for {count} fire times missed {span}.")
                : new PlannedFiring(lastMissed, Skipped: true, $"{count} fire times missed {span} while no Api could fire them; catch-up policy skip."));
        }
        return new FiringPlan(firings, NextAfter(now));
    }

    /// <summary>How many missed fire times one look counts before it stops counting.</summary>
    private const int MaxMissedCounted = 1_000_000;
}

/// <summary>What one look at a due schedule fires, and when it is due next (null: never again).</summary>
public sealed record FiringPlan(IReadOnlyList<PlannedFiring> Firings, DateTimeOffset? NextFireAt);

/// <summary>One fire time to fire, or to record as skipped with its reason.</summary>
public sealed record PlannedFiring(DateTimeOffset FireTime, bool Skipped, string? Reason);
