namespace JobPlatform.Worker.Sdk.Pipeline;

/// <summary>
/// While claims fail (the Api, or its database, is down), every message received is one more
/// receive towards the queue's redrive limit for a task that never ran. So the receive loops hold
/// back: after a failed claim they wait an exponential backoff with equal jitter (1 s, doubling, up
/// to <see cref="Longest"/>; half the delay plus up to half again at random, so that replicas that
/// failed together do not retry together), then each receives one message, a probe, until a claim
/// goes through.
/// The change of state is logged once each way, not once per message.
/// </summary>
internal sealed class ClaimBackoff(TimeProvider clock, ILogger<ClaimBackoff> logger)
{
    public static readonly TimeSpan First = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private int _failures;
    private volatile bool _failing;
    private DateTimeOffset _resumeAt;

    /// <summary>Whether the last claim call failed.</summary>
    public bool Failing => _failing;

    /// <summary>A claim call failed: receiving waits longer.</summary>
    public void Failed(Exception error)
    {
        lock (_lock)
        {
            _failures++;
            var ceiling = TimeSpan.FromTicks(Math.Min(Longest.Ticks, First.Ticks << Math.Min(_failures - 1, 16)));
            _resumeAt = clock.GetUtcNow() + ceiling / 2 + ceiling / 2 * Random.Shared.NextDouble();
            _failing = true;
            if (_failures == 1)
            {
                logger.LogWarning("Claims are failing ({Error}); receiving one message at a time, backing off up to {Longest} s, until a claim goes through",
                    error.Message, Longest.TotalSeconds);
            }
        }
    }

    /// <summary>A claim call went through: receiving goes back to normal.</summary>
    public void Succeeded()
    {
        if (!Failing)
        {
            return;
        }
        lock (_lock)
        {
            _failing = false;
            if (_failures > 0)
            {
                logger.LogInformation("Claims go through again after {Failures} failed calls; receiving as usual", _failures);
            }
            _failures = 0;
        }
    }

    /// <summary>
    /// Waits until a receive may go on, and returns how many messages it may ask for: <paramref name="most"/>
    /// normally, one while claims fail.
    /// </summary>
    public async Task<int> WaitAsync(int most, CancellationToken ct)
    {
        if (!Failing)
        {
            return most;
        }
        DateTimeOffset resumeAt;
        lock (_lock)
        {
            resumeAt = _resumeAt;
        }
        var wait = resumeAt - clock.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, clock, ct);
        }
        return Failing ? 1 : most;
    }
}
