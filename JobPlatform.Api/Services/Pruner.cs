using JobPlatform.Api.Identity;
using JobPlatform.Api.Lifecycle;
using Microsoft.Extensions.Options;

namespace JobPlatform.Api.Services;

/// <summary>How long what is not a job is kept, and how the pruner goes about it. Bound from <c>Retention</c>; a job's retention is its tenant's (Tenancy:JobRetentionDays).</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>How long an Idempotency-Key replays its first response; after that the same key makes a new job. Defaults to 24 h.</summary>
    public TimeSpan IdempotencyKeys { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a dead letter's record is kept. Defaults to 14 days.</summary>
    public TimeSpan DeadLetters { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How often the pruner looks for what expired. Defaults to 1 min.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Rows one step deletes, each step its own transaction. Defaults to 2,000.</summary>
    public int BatchSize { get; set; } = 2_000;

    /// <summary>The pause between two steps, so that pruning never crowds out the work. Defaults to 50 ms.</summary>
    public TimeSpan BatchPause { get; set; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>
/// Deletes what expired (<see cref="Retention"/>), one Api replica at a time, in small steps with
/// a pause between them, until nothing is left; then waits for the next interval.
/// </summary>
public sealed class Pruner(
    Retention retention,
    IOptions<RetentionOptions> options,
    IOptions<TenancyOptions> tenancy,
    ApiMetrics metrics,
    ILogger<Pruner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var policy = new RetentionPolicy(tenancy.Value.JobRetentionDays, options.Value.IdempotencyKeys, options.Value.DeadLetters);
        var backoff = new Backoff(options.Value.Interval, options.Value.Interval * 10);
        using var timer = new PeriodicTimer(options.Value.Interval);
        do
        {
            try
            {
                var pass = new PruneStep(0, 0, 0, 0);
                while (await retention.PruneStepAsync(policy, options.Value.BatchSize, stoppingToken) is { Total: > 0 } step)
                {
                    metrics.Pruned(step.Jobs, step.Tasks, step.IdempotencyKeys, step.DeadLetters);
                    pass = new PruneStep(pass.Jobs + step.Jobs, pass.Tasks + step.Tasks, pass.IdempotencyKeys + step.IdempotencyKeys, pass.DeadLetters + step.DeadLetters);
                    await Task.Delay(options.Value.BatchPause, stoppingToken);
                }
                backoff.Succeeded();
                if (pass.Total > 0)
                {
                    logger.LogInformation("Pruned {Jobs} expired jobs with {Tasks} tasks, {Keys} idempotency keys and {DeadLetters} dead letters",
                        pass.Jobs, pass.Tasks, pass.IdempotencyKeys, pass.DeadLetters);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                var delay = backoff.Failed();
                logger.LogWarning(backoff.Failures == 1 ? ex : null, "Pruning failed ({Error}); trying again in {Delay}", ex.Message, delay);
                await Task.Delay(delay, stoppingToken);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
