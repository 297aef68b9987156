namespace Microsoft.Extensions.Hosting;

/// <summary>
/// How long a background loop waits after failures in a row: <c>first</c>, doubling with each failure
/// up to <c>longest</c>, with equal jitter (half the delay plus up to half again at random) so that
/// replicas that failed together do not retry together. Every loop of the Api and the worker goes on
/// this way after any exception but its own shutdown: none ends and leaves a half-dead process.
/// </summary>
public sealed class Backoff(TimeSpan first, TimeSpan longest)
{
    /// <summary>Failures since the last success.</summary>
    public int Failures { get; private set; }

    /// <summary>One more failure: the delay before trying again.</summary>
    public TimeSpan Failed()
    {
        Failures++;
        var ceiling = TimeSpan.FromTicks(Math.Min(longest.Ticks, first.Ticks << Math.Min(Failures - 1, 16)));
        return ceiling / 2 + ceiling / 2 * Random.Shared.NextDouble();
    }

    /// <summary>A success: the next failure waits <c>first</c> again. Returns the failures it ended, 0 when none.</summary>
    public int Succeeded()
    {
        var ended = Failures;
        Failures = 0;
        return ended;
    }
}
