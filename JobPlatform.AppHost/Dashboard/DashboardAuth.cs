using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace JobPlatform.AppHost.Dashboard;

/// <summary>
/// The dashboard's sign-in, as Aspire's: a random token for each run, printed with the login URL.
/// <c>/login?t=&lt;token&gt;</c> trades it for an HttpOnly, SameSite=Strict cookie; the JSON API also
/// takes <c>Authorization: Bearer &lt;token&gt;</c>. Without either, the API answers 401 problem+json
/// and pages send the browser to the login page.
/// </summary>
internal sealed class DashboardAuth(string token)
{
    public const string CookieName = "jobplatform-dashboard";

    public const string LoginPath = "/login";

    /// <summary>What the login page needs before anyone signs in.</summary>
    private static readonly string[] AnonymousPaths = [LoginPath, "/styles.css", "/favicon.svg"];

    private readonly byte[] _token = Encoding.UTF8.GetBytes(token);

    /// <summary>A new token: 256 random bits, URL-safe.</summary>
    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public bool Accepts(string? candidate) =>
        candidate is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), _token);

    public bool IsSignedIn(HttpContext http)
    {
        if (Accepts(http.Request.Cookies[CookieName]))
        {
            return true;
        }
        var authorization = http.Request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && Accepts(authorization["Bearer ".Length..].Trim());
    }

    /// <summary>Lets signed-in requests through; refuses the rest the way their kind expects.</summary>
    public void Protect(WebApplication app) => app.Use(async (http, next) =>
    {
        var path = http.Request.Path;
        if (AnonymousPaths.Any(p => path.Equals(p, StringComparison.OrdinalIgnoreCase)) || IsSignedIn(http))
        {
            await next(http);
            return;
        }
        if (path.StartsWithSegments("/api"))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await TypedResults.Problem(
                title: "Sign in to the dashboard",
                detail: "Open the login URL the AppHost printed (http://localhost:<port>/login?t=<token>), or send Authorization: Bearer <token>.",
                statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(http);
            return;
        }
        http.Response.Redirect(LoginPath);
    });

    /// <summary>
    /// <c>GET /login?t=</c>: a right token sets the cookie and goes to the dashboard; a wrong one shows
    /// the login page again, saying so, and sets nothing.
    /// </summary>
    public IResult Login(HttpContext http, string? t, string loginPage)
    {
        if (t is null)
        {
            return Page(loginPage, "", StatusCodes.Status200OK);
        }
        if (!Accepts(t))
        {
            return Page(loginPage, "That token is not this run's. Copy the login URL from the AppHost's output again.", StatusCodes.Status401Unauthorized);
        }
        http.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            IsEssential = true,
        });
        return TypedResults.Redirect("/");
    }

    private static IResult Page(string template, string error, int status) =>
        TypedResults.Content(
            template.Replace("{{error}}", System.Net.WebUtility.HtmlEncode(error), StringComparison.Ordinal),
            "text/html; charset=utf-8", Encoding.UTF8, status);
}
