using System.Security.Claims;
using JobPlatform.Api.Identity;
using JobPlatform.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace JobPlatform.Api.Apis;

/// <summary>Exchanges a tenant's API key for a short-lived token, which the console uses.</summary>
public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/auth/token", IssueToken)
            .WithTags("Auth")
            .WithName("IssueToken")
            .WithSummary("Exchange the API key in the Authorization header for a short-lived signed token (JWT)")
            .RequireAuthorization(Policies.Tenant);
        return app;
    }

    public static Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult> IssueToken(
        TokenRequest? request, ClaimsPrincipal user, TokenIssuer issuer, IOptions<AuthOptions> options)
    {
        if (user.FindFirstValue(JobPlatformClaims.Method) != JobPlatformClaims.KeyMethod)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "A token cannot be exchanged.",
                detail: "Send the API key itself, not a token, to get a token.");
        }
        var maxSeconds = (int)options.Value.TokenLifetime.TotalSeconds;
        if (request?.LifetimeSeconds is { } asked && (asked < 1 || asked > maxSeconds))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["lifetimeSeconds"] = [$"lifetimeSeconds must be from 1 to {maxSeconds}."],
            });
        }
        var lifetime = request?.LifetimeSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : options.Value.TokenLifetime;
        var tenant = JobPlatformClaims.TenantIdOf(user)!;
        var keyId = Guid.Parse(user.FindFirstValue(JobPlatformClaims.KeyId)!);
        var (token, expiresAt) = issuer.Issue(tenant, keyId, lifetime);
        return TypedResults.Ok(new TokenResponse(token, "Bearer", (int)lifetime.TotalSeconds, expiresAt, tenant));
    }
}
