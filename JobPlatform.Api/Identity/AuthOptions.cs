namespace JobPlatform.Api.Identity;

/// <summary>
/// The Api's credentials and token settings (section <c>Auth</c>). The three secrets come from
/// configuration: the AppHost generates them for development, a Kubernetes Secret passes them in a cluster.
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>The shortest secret accepted, in characters.</summary>
    public const int MinSecretLength = 32;

    /// <summary>The administrator's key: creates tenants and issues and revokes their keys.</summary>
    public string AdminKey { get; set; } = "";

    /// <summary>The workers' key: the only credential that may claim, heartbeat and report tasks.</summary>
    public string WorkerKey { get; set; } = "";

    /// <summary>Signs the short-lived tokens POST /api/v1/auth/token issues. Every Api replica needs the same one.</summary>
    public string TokenSigningKey { get; set; } = "";

    /// <summary>How long an issued token is valid, unless the request asks for less. Defaults to 15 minutes.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How far apart replicas' clocks may be when checking a token's expiry. Defaults to 30 s.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a replica trusts what it read about a key. A revocation holds everywhere within this
    /// time. Defaults to 500 ms.
    /// </summary>
    public TimeSpan CredentialCacheDuration { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How often a request that stays open (an event stream) checks that its key still holds. Such a
    /// stream ends within this plus <see cref="CredentialCacheDuration"/> of the key's revocation, and
    /// at its token's expiry. Defaults to 1 s.
    /// </summary>
    public TimeSpan CredentialCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a replica remembers that a key does not exist, so a guessed key costs one query at
    /// most. Secrets are random: no key is ever issued with a secret guessed before. Defaults to 10 min.
    /// </summary>
    public TimeSpan UnknownKeyCacheDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Refused keys one client address may present at once before it is answered 429. Defaults to 20.</summary>
    public int FailedAttemptsBurst { get; set; } = 20;

    /// <summary>How fast that allowance refills, per minute. Defaults to 60.</summary>
    public int FailedAttemptsPerMinute { get; set; } = 60;
}

/// <summary>Defaults for tenants that do not set their own limits (section <c>Tenancy</c>).</summary>
public sealed class TenancyOptions
{
    public const string SectionName = "Tenancy";

    /// <summary>Requests a minute per tenant. Defaults to 100.</summary>
    public int RateLimitPerMinute { get; set; } = 100;

    /// <summary>Requests at once per tenant. Defaults to 200.</summary>
    public int RateLimitBurst { get; set; } = 200;

    /// <summary>
    /// Tasks of one tenant that may be queued or running at once across all workers. Defaults to 100.
    /// Its fair share of the fleet may be smaller (<see cref="ReservedShare"/>).
    /// </summary>
    public int MaxRunningTasks { get; set; } = 100;

    /// <summary>
    /// The share of the live workers' slots that no tenant's tasks are released into, so that a
    /// tenant whose work arrives while others fill the fleet starts at once (tasks are never taken
    /// back from a worker). The rest is shared max-min fairly between the tenants with work. At least
    /// one slot. Defaults to 0.1.
    /// </summary>
    public double ReservedShare { get; set; } = 0.1;

    /// <summary>
    /// How far a tenant's work may queue ahead of its fair share of the fleet: as many tasks as it
    /// finished in about this long, so short tasks keep every worker fed, while another tenant's new
    /// work waits behind a backlog for about this long at most, and tasks that run longer than this
    /// get no allowance, so they never take the reserved slots. Defaults to 500 ms.
    /// </summary>
    public TimeSpan QueueAhead { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Event streams (GET /api/v1/events) one tenant may have open at once on each Api replica; each
    /// holds a connection and a buffer of events. Defaults to 20.
    /// </summary>
    public int MaxEventStreams { get; set; } = 20;

    /// <summary>
    /// Tasks of one tenant stored and not yet finished (queued, running or waiting to retry): a
    /// submission that would go past it is refused with 429. Defaults to 1,000,000 (ten of the
    /// largest jobs).
    /// </summary>
    public int MaxUnfinishedTasks { get; set; } = 1_000_000;

    /// <summary>Schedules one tenant may have. Defaults to 100.</summary>
    public int MaxSchedules { get; set; } = 100;

    /// <summary>Days a finished job is kept, with its tasks, attempts and results, before the pruner deletes it. Defaults to 30.</summary>
    public int JobRetentionDays { get; set; } = 30;

    /// <summary>The longest retention a tenant may be given, in days (ten years).</summary>
    public const int MaxRetentionDays = 3_650;

    /// <summary>The largest value a tenant's own limit may take.</summary>
    public const int MaxLimit = 10_000_000;
}
