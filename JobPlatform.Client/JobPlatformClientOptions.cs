namespace JobPlatform.Client;

/// <summary>Where the Api is, who calls it, and how patiently.</summary>
public sealed class JobPlatformClientOptions
{
    /// <summary>
    /// The Api's address. Defaults to <c>http://api</c>, its name under the AppHost, which service
    /// discovery resolves when the application uses it.
    /// </summary>
    public Uri BaseAddress { get; set; } = new("http://api");

    /// <summary>
    /// The credential: a tenant's API key (<c>jp_...</c>), exchanged for short-lived tokens that are
    /// renewed before they expire; any other value (the administrator's key, a token) is sent as it is.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>How long each token is asked for; null takes the Api's lifetime (Auth:TokenLifetime).</summary>
    public TimeSpan? TokenLifetime { get; set; }

    /// <summary>How many times a call is sent again after a 429, a 5xx, a 408 or a failed connection. Defaults to 4.</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>The first wait between tries when the Api gives no Retry-After; later ones double, with jitter. Defaults to 0.5 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long one try may wait for the Api's answer (its headers, for a stream). Defaults to 30 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often <see cref="JobPlatformClient.WatchAsync"/> polls while the event stream is down. Defaults to 1 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long <see cref="JobPlatformClient.WatchAsync"/> polls before it opens the event stream again. Defaults to 5 s.</summary>
    public TimeSpan ReconnectAfter { get; set; } = TimeSpan.FromSeconds(5);
}
