using System.Security.Claims;
using System.Text.Encodings.Web;
using JobPlatform.Api.Apis;
using JobPlatform.Contracts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace JobPlatform.Api.Identity;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c> with a key rather than a token: the
/// administrator's or the workers' key from configuration, or a tenant's <c>jp_</c> key.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<AuthOptions> auth,
    CredentialDirectory directory,
    FailedCredentials failures,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerCredential.Read(Request) is not { } presented)
        {
            return AuthenticateResult.NoResult();
        }
        if (presented.Length == 0)
        {
            return AuthenticateResult.Fail("The Authorization header is not 'Bearer <key or token>'.");
        }

        if (ApiKeys.SecretEquals(presented, auth.Value.AdminKey))
        {
            return Success([new(ClaimTypes.Role, Roles.Admin), new(ClaimTypes.Name, "admin")]);
        }
        if (ApiKeys.SecretEquals(presented, auth.Value.WorkerKey))
        {
            return Success([new(ClaimTypes.Role, Roles.Worker), new(ClaimTypes.Name, "worker")]);
        }
        var address = FailedCredentials.AddressOf(Context);
        if (!presented.StartsWith(TenantRules.KeyPrefix, StringComparison.Ordinal))
        {
            return Refuse(address, $"The credential is neither an API key (they start with '{TenantRules.KeyPrefix}') nor a token from POST /api/v1/auth/token.");
        }

        // A key this replica knows costs nothing; an address that presented too many refused keys
        // gets no query for one it does not know.
        if (!directory.TryRecall(presented, out var key) && failures.Throttled(address) is { } wait)
        {
            Context.Items[ThrottledItem] = wait;
            return AuthenticateResult.Fail("Too many refused keys from this address.");
        }
        key ??= await directory.FindBySecretAsync(presented, Context.RequestAborted);
        if (key is null)
        {
            return Refuse(address, "The API key is not known.");
        }
        if (key.Revoked)
        {
            return Refuse(address, "The API key was revoked.");
        }
        return Success(TenantClaims.For(key, JobPlatformClaims.KeyMethod));
    }

    /// <summary>The item that says a request was refused for its address's failures, holding the wait.</summary>
    private const string ThrottledItem = "JobPlatform.CredentialThrottled";

    private AuthenticateResult Refuse(string address, string why)
    {
        failures.Failed(address);
        return AuthenticateResult.Fail(why);
    }

    private AuthenticateResult Success(IEnumerable<Claim> claims)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        if (Context.Items[ThrottledItem] is TimeSpan wait)
        {
            await TooManyRequests.WriteAsync(Context, problems, wait, "Too many refused credentials.",
                seconds => $"This address presented too many keys that were refused. Retry after {seconds} s with a valid key.");
            return;
        }
        await Unauthorized.WriteAsync(Context, problems, failure);
    }
}

/// <summary>The claims of a tenant's caller, whether it came with a key or a token.</summary>
public static class TenantClaims
{
    /// <param name="expiresAt">When the token the caller came with expires; null for a key.</param>
    public static IEnumerable<Claim> For(KeyRecord key, string? method, DateTimeOffset? expiresAt = null)
    {
        yield return new Claim(ClaimTypes.Role, Roles.Tenant);
        yield return new Claim(ClaimTypes.Name, key.TenantId);
        yield return new Claim(JobPlatformClaims.TenantId, key.TenantId);
        yield return new Claim(JobPlatformClaims.KeyId, key.KeyId.ToString());
        yield return new Claim(JobPlatformClaims.RateLimitPerMinute, key.Limits.RateLimitPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new Claim(JobPlatformClaims.RateLimitBurst, key.Limits.RateLimitBurst.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new Claim(JobPlatformClaims.MaxEventStreams, key.Limits.MaxEventStreams.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (expiresAt is { } expires)
        {
            yield return new Claim(JobPlatformClaims.ExpiresAt, expires.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (method is not null)
        {
            yield return new Claim(JobPlatformClaims.Method, method);
        }
    }
}

/// <summary>Reads the bearer credential of a request.</summary>
public static class BearerCredential
{
    /// <summary>The credential; "" when the header is there but not a bearer credential; null when there is none.</summary>
    public static string? Read(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return null;
        }
        const string Scheme = "Bearer ";
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..].Trim() : "";
    }

    /// <summary>Whether the credential is shaped like a JWT (three dot-separated parts) rather than a key.</summary>
    public static bool LooksLikeToken(string credential) => credential.Count(c => c == '.') == 2;
}

/// <summary>The 401 answer: problem+json with a WWW-Authenticate challenge that says what was wrong.</summary>
public static class Unauthorized
{
    public static async Task WriteAsync(HttpContext context, IProblemDetailsService problems, string? failure)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        var description = failure ?? "Send 'Authorization: Bearer <key or token>'.";
        context.Response.Headers.WWWAuthenticate = failure is null
            ? "Bearer realm=\"jobplatform\""
            : $"Bearer realm=\"jobplatform\", error=\"invalid_token\", error_description=\"{description.Replace("\"", "'")}\"";
        await problems.WriteForAnyClientAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = failure is null ? "Authentication required." : "The credential was refused.",
                Detail = description,
            },
        });
    }
}

/// <summary>A 429 problem with Retry-After in whole seconds, at least one.</summary>
public static class TooManyRequests
{
    /// <summary>The same answer as an endpoint's result.</summary>
    public static TooManyRequestsResult Result(TimeSpan wait, string title, Func<int, string> detail) => new(wait, title, detail);

    public static async Task WriteAsync(HttpContext context, IProblemDetailsService problems, TimeSpan wait, string title, Func<int, string> detail)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await problems.WriteForAnyClientAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = title, Detail = detail(seconds) },
        });
    }
}

/// <summary>An endpoint's 429 answer, written by <see cref="TooManyRequests.WriteAsync"/>.</summary>
public sealed class TooManyRequestsResult(TimeSpan wait, string title, Func<int, string> detail) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => StatusCodes.Status429TooManyRequests;

    public Task ExecuteAsync(HttpContext httpContext) =>
        TooManyRequests.WriteAsync(httpContext, httpContext.RequestServices.GetRequiredService<IProblemDetailsService>(), wait, title, detail);
}
