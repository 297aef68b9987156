using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace JobPlatform.Client;

public static class JobPlatformClientExtensions
{
    /// <summary>
    /// Registers <see cref="JobPlatformClient"/> as a typed client of the HTTP client factory: calls
    /// carry the configured credential (a tenant's key is exchanged for renewed tokens), and a 429,
    /// 5xx, 408 or failed connection is tried again, after the Api's Retry-After when it gives one.
    /// Returns the client's builder, to add handlers (service discovery, say) as for any client.
    /// </summary>
    public static IHttpClientBuilder AddJobPlatformClient(this IServiceCollection services, Action<JobPlatformClientOptions>? configure = null)
    {
        var options = services.AddOptions<JobPlatformClientOptions>()
            .Validate(o => o.BaseAddress.IsAbsoluteUri, "JobPlatform client: BaseAddress must be an absolute URI.")
            .Validate(o => o.MaxRetries >= 0, "JobPlatform client: MaxRetries must not be negative.")
            .Validate(o => o.AttemptTimeout > TimeSpan.Zero, "JobPlatform client: AttemptTimeout must be positive.");
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TokenCache>();
        services.TryAddTransient<ApiKeyTokenHandler>();

        var client = services.AddHttpClient<JobPlatformClient>((provider, http) =>
        {
            http.BaseAddress = provider.GetRequiredService<IOptions<JobPlatformClientOptions>>().Value.BaseAddress;
            // Each try has its own timeout (below); an event stream or a result stream may last long.
            http.Timeout = Timeout.InfiniteTimeSpan;
        });
        // Outermost: retries, each try with its own timeout. Retry-After wins over the backoff.
        client.AddResilienceHandler("jobplatform", (pipeline, context) =>
        {
            var settings = context.ServiceProvider.GetRequiredService<IOptions<JobPlatformClientOptions>>().Value;
            if (settings.MaxRetries > 0)
            {
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = settings.MaxRetries,
                    Delay = settings.RetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldRetryAfterHeader = true,
                });
            }
            pipeline.AddTimeout(settings.AttemptTimeout);
        });
        // Inside each try: the credential, so a try after a 401 or a long wait takes a fresh token.
        client.AddHttpMessageHandler<ApiKeyTokenHandler>();
        return client;
    }
}
