namespace JobPlatform.Bench.Soak;

/// <summary>How long a chaos soak runs, how hard its tenants push, and how often faults come.</summary>
public sealed record SoakOptions
{
    /// <summary>How long the load runs and faults are injected; the drain that follows is not counted. Defaults to 30 min.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Tenants created for the soak, each with its own load. Defaults to 3.</summary>
    public int Tenants { get; init; } = 3;

    /// <summary>
    /// Each tenant's rate limit, and the rate its load sends at, so some requests meet the limit.
    /// Modest, so that two cores carry the graph and its faults. Defaults to 120 requests a minute.
    /// </summary>
    public int RateLimitPerMinute { get; init; } = 120;

    /// <summary>Each tenant's burst. Defaults to 10.</summary>
    public int RateLimitBurst { get; init; } = 10;

    /// <summary>Each tenant's concurrency quota. Defaults to 20 tasks at once.</summary>
    public int MaxRunningTasks { get; init; } = 20;

    /// <summary>Requests one tenant's load may have in flight; past it a turn is skipped. Defaults to 16.</summary>
    public int MaxInFlightPerTenant { get; init; } = 16;

    /// <summary>How long the load waits for an answer before it counts a transport error. Defaults to 10 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The quiet time before each fault, drawn between the two. Defaults to 20 s to 60 s.</summary>
    public TimeSpan FaultGapMin { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>See <see cref="FaultGapMin"/>.</summary>
    public TimeSpan FaultGapMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a pause or a stop lasts before it is undone, drawn between the two. Defaults to 5 s to 20 s.</summary>
    public TimeSpan FaultWindowMin { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>See <see cref="FaultWindowMin"/>.</summary>
    public TimeSpan FaultWindowMax { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long after a fault is undone its effects still count as the fault's: connection pools
    /// refill, clients' circuits close. Defaults to 10 s.
    /// </summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long submissions still unanswered when the load stops keep retrying their key. Defaults to 2 min.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long, after the load stops, every job has to become final. Defaults to 15 min.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The faults drawn from; each comes once, in a random order, before any comes again. Defaults to every kind.</summary>
    public IReadOnlyList<FaultKind> Faults { get; init; } = Enum.GetValues<FaultKind>();

    /// <summary>Seeds the load's and the faults' random choices, to replay a run. Defaults to a new seed each run.</summary>
    public int Seed { get; init; } = Random.Shared.Next();

    /// <summary>
    /// The short form CI runs: two minutes, faults close together and short, so every kind comes at
    /// least once (six faults take about 90 s with their restarts).
    /// </summary>
    public static SoakOptions Short { get; } = new()
    {
        Duration = TimeSpan.FromMinutes(2),
        FaultGapMin = TimeSpan.FromSeconds(5),
        FaultGapMax = TimeSpan.FromSeconds(9),
        FaultWindowMin = TimeSpan.FromSeconds(3),
        FaultWindowMax = TimeSpan.FromSeconds(6),
        Grace = TimeSpan.FromSeconds(5),
        SettleTimeout = TimeSpan.FromMinutes(1),
        DrainTimeout = TimeSpan.FromMinutes(4),
    };
}
