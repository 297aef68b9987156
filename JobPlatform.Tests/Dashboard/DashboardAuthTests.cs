using System.Net;
using System.Net.Http.Json;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Dashboard;

/// <summary>Only someone with this run's token reaches the dashboard.</summary>
[Collection(GraphCollection.Name)]
public sealed class DashboardAuthTests(JobPlatformFixture fixture)
{
    private const string CookieName = "jobplatform-dashboard";

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-token")]
    public async Task Api_WithoutTheToken_Is401Problem_WithABearerChallenge(string? token)
    {
        using var client = fixture.CreateDashboardClient(token);

        using var response = await client.GetAsync("/api/resources");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Contains("/login?t=", (await response.Content.ReadFromJsonAsync<Problem>())!.Detail);
    }

    [Fact]
    public async Task Api_WithTheTokenAsBearer_Is200()
    {
        using var response = await fixture.Dashboard.GetAsync("/api/resources");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Login_WithAWrongToken_SetsNoCookie_AndSaysSo()
    {
        using var client = fixture.CreateDashboardClient(null);

        using var response = await client.GetAsync("/login?t=wrong");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Contains("not this run", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Login_WithTheToken_SetsAnHttpOnlyStrictCookie_ThatOpensTheApi()
    {
        using var client = fixture.CreateDashboardClient(null);

        using var login = await client.GetAsync($"/login?t={fixture.App.DashboardToken}");

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location?.OriginalString);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith($"{CookieName}=", cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/resources");
        request.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/traces")]
    [InlineData("/app.js")]
    public async Task Pages_WithoutTheCookie_RedirectToTheLoginPage(string path)
    {
        using var client = fixture.CreateDashboardClient(null);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login", response.Headers.Location?.OriginalString);
        using var page = await client.GetAsync("/login");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Token", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public void Dashboard_ListensOnLoopbackOnly()
    {
        Assert.Equal("localhost", fixture.App.DashboardUrl.Host);
        Assert.Equal("localhost", fixture.App.OtlpEndpoint.Host);
        foreach (var port in new[] { fixture.App.DashboardUrl.Port, fixture.App.OtlpEndpoint.Port })
        {
            var listeners = System.Net.NetworkInformation.IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Where(l => l.Port == port).ToList();
            Assert.NotEmpty(listeners);
            Assert.All(listeners, l => Assert.Equal(IPAddress.Loopback, l.Address));
        }
    }
}
