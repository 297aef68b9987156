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

    /// <summary>Tasks of one tenant that may run at once across all workers. Defaults to 100.</summary>
    public int MaxRunningTasks { get; set; } = 100;

    /// <summary>The largest value a tenant's own limit may take.</summary>
    public const int MaxLimit = 10_000_000;
}
