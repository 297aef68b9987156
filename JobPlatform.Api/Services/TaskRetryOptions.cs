namespace JobPlatform.Api.Services;

/// <summary>
/// How long a failed attempt waits before the next: exponential backoff with jitter. Bound from
/// <c>TaskRetry</c>.
/// </summary>
public sealed class TaskRetryOptions
{
    public const string SectionName = "TaskRetry";

    /// <summary>The wait after the first failed attempt, before jitter. Defaults to 1 s.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How much each wait grows over the one before. Defaults to 2.</summary>
    public double Factor { get; set; } = 2;

    /// <summary>The longest wait. Defaults to 5 min.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The wait after attempt <paramref name="attempt"/> (1 is the first) failed, with the job's
    /// <paramref name="backoff"/> (its own over its type's) over these options. Half of the
    /// exponential delay is fixed and half is random, so retries of many tasks that failed together
    /// spread out instead of arriving as one wave.
    /// </summary>
    public TimeSpan DelayAfter(int attempt, JobPlatform.Contracts.RetryBackoff? backoff, Random random)
    {
        var baseDelay = backoff?.InitialDelaySeconds * 1000 ?? BaseDelay.TotalMilliseconds;
        var maxDelay = backoff?.MaxDelaySeconds * 1000 ?? MaxDelay.TotalMilliseconds;
        var exponential = baseDelay * Math.Pow(backoff?.Factor ?? Factor, Math.Max(0, attempt - 1));
        var capped = Math.Min(exponential, Math.Max(maxDelay, baseDelay));
        return TimeSpan.FromMilliseconds(capped / 2 + random.NextDouble() * capped / 2);
    }
}
