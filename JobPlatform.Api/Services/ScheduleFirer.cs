using JobPlatform.Api.Scheduling;
using Microsoft.Extensions.Options;

namespace JobPlatform.Api.Services;

/// <summary>Options for <see cref="ScheduleFirer"/>. Bound from <c>ScheduleFirer</c>.</summary>
public sealed class ScheduleFirerOptions
{
    public const string SectionName = "ScheduleFirer";

    /// <summary>
    /// The longest wait between two looks for due schedules: a schedule created or changed on another
    /// replica fires at most this late the first time. Defaults to 1 s.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Schedules one look fires. Defaults to 50.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>The longest wait after a failure to reach PostgreSQL. Defaults to 10 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Fires the schedules that are due (<see cref="ScheduleFiring"/>) on every Api replica: each
/// fire time makes one job whichever replicas look. Wakes at the next fire time, or after
/// <see cref="ScheduleFirerOptions.PollInterval"/>; a failure is logged and retried with backoff,
/// and the loop never ends before the host does.
/// </summary>
public sealed class ScheduleFirer(ScheduleFiring firing, TimeProvider clock, IOptions<ScheduleFirerOptions> options, ILogger<ScheduleFirer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(500), options.Value.MaxRetryDelay);
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var next = await firing.FireDueAsync(options.Value.BatchSize, stoppingToken);
                if (backoff.Succeeded() is var failures and > 0)
                {
                    logger.LogInformation("Schedule firer recovered after {Failures} failed attempts", failures);
                }
                wait = options.Value.PollInterval;
                if (next is { } due && due - clock.GetUtcNow() is var untilDue && untilDue < wait)
                {
                    wait = untilDue < TimeSpan.Zero ? TimeSpan.Zero : untilDue;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                wait = backoff.Failed();
                logger.LogWarning(backoff.Failures == 1 ? ex : null, "Schedule firer could not fire schedules ({Error}); retrying in {Delay} (attempt {Failures})", ex.Message, wait, backoff.Failures);
            }
            await Task.Delay(wait, clock, stoppingToken);
        }
    }
}
