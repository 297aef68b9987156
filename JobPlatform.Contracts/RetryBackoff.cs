namespace JobPlatform.Contracts;

/// <summary>
/// How long a task that failed an attempt waits before its next: exponential backoff with jitter
/// (the wait after attempt n is half fixed, half random, of <c>min(InitialDelaySeconds x Factor^(n-1), MaxDelaySeconds)</c>).
/// A task type may set it when its worker registers it, and a job may override it; a field left out
/// (null) takes the type's value, then the Api's (<c>TaskRetry:*</c>: 1 s, 2, 5 min).
/// </summary>
/// <param name="InitialDelaySeconds">The wait after the first failed attempt, before jitter: 0 to 3,600 s.</param>
/// <param name="Factor">How much each wait grows over the one before: 1 to 10.</param>
/// <param name="MaxDelaySeconds">The longest wait: 0 to 86,400 s, and at least <paramref name="InitialDelaySeconds"/>.</param>
public sealed record RetryBackoff(double? InitialDelaySeconds = null, double? Factor = null, double? MaxDelaySeconds = null)
{
    public const double MaxInitialDelaySeconds = 3_600;
    public const double MaxFactor = 10;
    public const double MaxMaxDelaySeconds = 86_400;

    /// <summary>This backoff's fields, each left out taken from <paramref name="fallback"/>; null when none is set.</summary>
    public RetryBackoff? Over(RetryBackoff? fallback)
    {
        var merged = new RetryBackoff(InitialDelaySeconds ?? fallback?.InitialDelaySeconds, Factor ?? fallback?.Factor, MaxDelaySeconds ?? fallback?.MaxDelaySeconds);
        return merged.IsEmpty ? null : merged;
    }

    /// <summary>Whether no field is set.</summary>
    public bool IsEmpty => InitialDelaySeconds is null && Factor is null && MaxDelaySeconds is null;

    /// <summary>What is wrong with it, keyed by field (camelCase, under <paramref name="prefix"/>); empty when nothing is.</summary>
    public IEnumerable<(string Field, string Message)> Problems(string prefix)
    {
        if (InitialDelaySeconds is < 0 or > MaxInitialDelaySeconds || InitialDelaySeconds is double.NaN)
        {
            yield return ($"{prefix}.initialDelaySeconds", $"initialDelaySeconds must be from 0 to {MaxInitialDelaySeconds:N0}; it was {InitialDelaySeconds}.");
        }
        if (Factor is < 1 or > MaxFactor || Factor is double.NaN)
        {
            yield return ($"{prefix}.factor", $"factor must be from 1 to {MaxFactor}; it was {Factor}.");
        }
        if (MaxDelaySeconds is < 0 or > MaxMaxDelaySeconds || MaxDelaySeconds is double.NaN)
        {
            yield return ($"{prefix}.maxDelaySeconds", $"maxDelaySeconds must be from 0 to {MaxMaxDelaySeconds:N0}; it was {MaxDelaySeconds}.");
        }
        else if (MaxDelaySeconds < InitialDelaySeconds)
        {
            yield return ($"{prefix}.maxDelaySeconds", $"maxDelaySeconds ({MaxDelaySeconds}) must be at least initialDelaySeconds ({InitialDelaySeconds}).");
        }
    }
}
