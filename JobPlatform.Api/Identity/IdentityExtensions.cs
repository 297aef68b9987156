using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using JobPlatform.Api.Apis;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace JobPlatform.Api.Identity;

/// <summary>Who may call what: API keys and tokens, one policy per role, and each tenant's rate limit.</summary>
public static class IdentityExtensions
{
    /// <summary>The default scheme: sends JWTs to JwtBearer and keys to <see cref="ApiKeyAuthenticationHandler"/>.</summary>
    public const string Scheme = "JobPlatform";

    public static IHostApplicationBuilder AddJobPlatformAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName)
            .Validate(o => o.AdminKey.Length >= AuthOptions.MinSecretLength, Missing("Auth:AdminKey"))
            .Validate(o => o.WorkerKey.Length >= AuthOptions.MinSecretLength, Missing("Auth:WorkerKey"))
            .Validate(o => o.TokenSigningKey.Length >= AuthOptions.MinSecretLength, Missing("Auth:TokenSigningKey"))
            .Validate(o => o.AdminKey != o.WorkerKey, "Auth:AdminKey and Auth:WorkerKey must differ.")
            .Validate(o => o.TokenLifetime >= TimeSpan.FromSeconds(1) && o.TokenLifetime <= TimeSpan.FromDays(1), "Auth:TokenLifetime must be from 1 s to 1 day.")
            .Validate(o => o.ClockSkew >= TimeSpan.Zero, "Auth:ClockSkew must not be negative.")
            .Validate(o => o.CredentialCacheDuration >= TimeSpan.Zero && o.CredentialCacheDuration <= TimeSpan.FromSeconds(1),
                "Auth:CredentialCacheDuration must be from 0 to 1 s: a revocation must hold within a second.")
            .Validate(o => o.UnknownKeyCacheDuration >= TimeSpan.Zero, "Auth:UnknownKeyCacheDuration must not be negative.")
            .Validate(o => o.CredentialCheckInterval >= TimeSpan.FromMilliseconds(10) && o.CredentialCheckInterval <= TimeSpan.FromSeconds(5),
                "Auth:CredentialCheckInterval must be from 10 ms to 5 s: the streams of a revoked key must end within seconds.")
            .Validate(o => o.FailedAttemptsBurst is > 0 and <= TenancyOptions.MaxLimit && o.FailedAttemptsPerMinute is > 0 and <= TenancyOptions.MaxLimit,
                "Auth:FailedAttemptsBurst and Auth:FailedAttemptsPerMinute must be from 1 to 10000000.")
            .ValidateOnStart();
        builder.Services.AddOptions<TenancyOptions>().BindConfiguration(TenancyOptions.SectionName)
            .Validate(o => o.RateLimitPerMinute is > 0 and <= TenancyOptions.MaxLimit, "Tenancy:RateLimitPerMinute must be from 1 to 10000000.")
            .Validate(o => o.RateLimitBurst is > 0 and <= TenancyOptions.MaxLimit, "Tenancy:RateLimitBurst must be from 1 to 10000000.")
            .Validate(o => o.MaxRunningTasks is > 0 and <= TenancyOptions.MaxLimit, "Tenancy:MaxRunningTasks must be from 1 to 10000000.")
            .Validate(o => o.ReservedShare is >= 0 and < 1, "Tenancy:ReservedShare must be from 0 up to (not including) 1.")
            .Validate(o => o.QueueAhead > TimeSpan.Zero, "Tenancy:QueueAhead must be a positive duration, such as 00:00:00.5.")
            .Validate(o => o.MaxUnfinishedTasks is > 0 and <= TenancyOptions.MaxLimit, "Tenancy:MaxUnfinishedTasks must be from 1 to 10000000.")
            .Validate(o => o.JobRetentionDays is > 0 and <= TenancyOptions.MaxRetentionDays, "Tenancy:JobRetentionDays must be from 1 to 3650.")
            .Validate(o => o.MaxEventStreams is > 0 and <= TenancyOptions.MaxLimit, "Tenancy:MaxEventStreams must be from 1 to 10000000.")
            .Validate(o => o.MaxSchedules is > 0 and <= TenancyOptions.MaxLimit, "Tenancy:MaxSchedules must be from 1 to 10000000.")
            .ValidateOnStart();

        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<CurrentTenant>();
        builder.Services.AddSingleton<CredentialDirectory>();
        builder.Services.AddSingleton<FailedCredentials>();
        builder.Services.AddSingleton<TokenIssuer>();
        builder.Services.AddSingleton<CredentialWatch>();

        builder.Services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "API key or token", policy => policy.ForwardDefaultSelector = context =>
                (BearerCredential.Read(context.Request) is { } credential && BearerCredential.LooksLikeToken(credential)) || EventStreamToken(context.Request) is not null
                    ? JwtBearerDefaults.AuthenticationScheme
                    : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = TokenIssuer.ValidationParameters(auth.Value);
                jwt.Events = new JwtBearerEvents
                {
                    OnMessageReceived = ReadEventStreamToken,
                    OnTokenValidated = CheckKeyStillHoldsAsync,
                    OnChallenge = WriteTokenChallengeAsync,
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Tenant, policy => policy.RequireRole(Roles.Tenant).RequireClaim(JobPlatformClaims.TenantId))
            .AddPolicy(Policies.Worker, policy => policy.RequireRole(Roles.Worker))
            .AddPolicy(Policies.Admin, policy => policy.RequireRole(Roles.Admin))
            // Anything not opened on purpose (health, metrics, the API description) needs a credential.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();

        builder.Services.AddSingleton<TenantRateLimiter>();
        builder.Services.AddRateLimiter(limiter => limiter.OnRejected = WriteRateLimitedAsync);
        builder.Services.AddOptions<RateLimiterOptions>().Configure<TenantRateLimiter>((limiter, tenants) => limiter.GlobalLimiter = tenants.ForRequests());
        return builder;
    }

    private static string Missing(string name) =>
        $"{name} must be set, at least {AuthOptions.MinSecretLength} characters. The AppHost passes it in development; in a cluster a Secret does.";

    /// <summary>A browser's EventSource cannot send headers, so the event stream also takes the token as ?access_token=.</summary>
    private static Task ReadEventStreamToken(MessageReceivedContext context)
    {
        if (EventStreamToken(context.Request) is { } token)
        {
            context.Token = token;
        }
        return Task.CompletedTask;
    }

    private static string? EventStreamToken(HttpRequest request) =>
        request.Path.StartsWithSegments("/api/v1/events") && request.Query["access_token"].ToString() is { Length: > 0 } token ? token : null;

    /// <summary>A token holds only while the key it was issued for does: revoking the key ends its tokens too.</summary>
    private static async Task CheckKeyStillHoldsAsync(TokenValidatedContext context)
    {
        var directory = context.HttpContext.RequestServices.GetRequiredService<CredentialDirectory>();
        var keyId = context.Principal?.FindFirstValue(JobPlatformClaims.KeyId);
        var key = Guid.TryParse(keyId, out var id) ? await directory.FindByIdAsync(id, context.HttpContext.RequestAborted) : null;
        if (key is null || key.Revoked)
        {
            context.Fail("The API key this token was issued for was revoked.");
            return;
        }
        // The expiry goes with the principal, so a request that outlives it (an event stream) can end then.
        var expiresAt = new DateTimeOffset(DateTime.SpecifyKind(context.SecurityToken.ValidTo, DateTimeKind.Utc));
        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(
            TenantClaims.For(key, method: null, expiresAt), JwtBearerDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    private static async Task WriteTokenChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var failure = context.AuthenticateFailure switch
        {
            null => null,
            SecurityTokenExpiredException expired =>
                $"The token expired at {expired.Expires:O}. Exchange the API key for a new one at POST /api/v1/auth/token.",
            SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "The token's signature is not valid.",
            { Message: var message } when message.StartsWith("The API key", StringComparison.Ordinal) => message,
            _ => "The token is not valid.",
        };
        await Unauthorized.WriteAsync(context.HttpContext, context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>(), failure);
    }

    private static async ValueTask WriteRateLimitedAsync(OnRejectedContext rejected, CancellationToken ct)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        await TooManyRequests.WriteAsync(context, context.RequestServices.GetRequiredService<IProblemDetailsService>(), retryAfter, "Too many requests.",
            seconds => $"Tenant '{JobPlatformClaims.TenantIdOf(context.User)}' is over its rate limit of " +
                $"{context.User.FindFirstValue(JobPlatformClaims.RateLimitPerMinute)} requests a minute. Retry after {seconds} s.");
    }
}

/// <summary>Turns a tenant's limits into a token bucket: <c>burst</c> tokens, refilled at <c>perMinute</c> a minute.</summary>
public static class TokenBuckets
{
    public static TokenBucketRateLimiterOptions For(int perMinute, int burst)
    {
        // Refill in whole tokens, at most once a second for high limits and once per token for low ones.
        var tokensPerPeriod = Math.Max(1, (int)Math.Ceiling(perMinute / 60.0));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) * tokensPerPeriod / perMinute,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }
}

/// <summary>Answers a refused authorization with problem+json: 401 via the scheme's challenge, 403 saying which role was needed.</summary>
public sealed class ProblemAuthorizationResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (!result.Forbidden)
        {
            await _default.HandleAsync(next, context, policy, result);
            return;
        }
        var role = context.User.FindFirstValue(ClaimTypes.Role) ?? "unknown";
        var needed = policy.Requirements.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).FirstOrDefault() ?? "another";
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteForAnyClientAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "This credential may not do that.",
                Detail = $"This endpoint is for the {needed} credential; the request came with a {role} credential.",
            },
        });
    }
}
