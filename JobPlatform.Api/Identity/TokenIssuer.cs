using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace JobPlatform.Api.Identity;

/// <summary>Issues and describes the short-lived tokens a key is exchanged for (HMAC-SHA256 JWTs).</summary>
public sealed class TokenIssuer(IOptions<AuthOptions> options, TimeProvider clock)
{
    public const string Issuer = "jobplatform";
    public const string Audience = "jobplatform-api";

    /// <summary>The validation rules JwtBearer applies to every token.</summary>
    public static TokenValidationParameters ValidationParameters(AuthOptions auth) => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = SigningKey(auth),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ClockSkew = auth.ClockSkew,
        RequireExpirationTime = true,
        NameClaimType = JobPlatformClaims.TenantId,
        RoleClaimType = ClaimTypes.Role,
    };

    public (string Token, DateTimeOffset ExpiresAt) Issue(string tenantId, Guid keyId, TimeSpan lifetime)
    {
        var now = clock.GetUtcNow();
        var expires = now + lifetime;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = tenantId,
                [JobPlatformClaims.TenantId] = tenantId,
                [JobPlatformClaims.KeyId] = keyId.ToString(),
            },
            SigningCredentials = new SigningCredentials(SigningKey(options.Value), SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }

    private static SymmetricSecurityKey SigningKey(AuthOptions auth) => new(Encoding.UTF8.GetBytes(auth.TokenSigningKey));
}
