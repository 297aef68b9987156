using System.Net;
using System.Net.Http.Json;
using JobPlatform.Contracts;

namespace JobPlatform.Tests.Infrastructure;

/// <summary>Creating tenants and keys through the Api's admin endpoints, as an administrator would.</summary>
public static class TenantsClient
{
    /// <summary>A new tenant with a unique id and one key; a client that calls the Api as it.</summary>
    public static async Task<TestTenant> CreateTenantAsync(this JobPlatformFixture fixture, int? rateLimitPerMinute = null, int? rateLimitBurst = null,
        int? maxRunningTasks = null, int? maxEventStreams = null, int? maxUnfinishedTasks = null, int? jobRetentionDays = null)
    {
        var id = $"t-{Guid.NewGuid():N}"[..20];
        using var created = await fixture.AdminApi.PostAsJsonAsync("/api/v1/tenants",
            new CreateTenantRequest(id, $"Test {id}", rateLimitPerMinute ?? 6_000, rateLimitBurst ?? 1_000, maxRunningTasks, maxEventStreams, maxUnfinishedTasks, jobRetentionDays), JobsClient.Json);
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"creating tenant {id}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        var key = await fixture.IssueKeyAsync(id);
        return new TestTenant(id, key, fixture.CreateApiClient(key.Key));
    }

    public static async Task<ApiKeyCreatedResponse> IssueKeyAsync(this JobPlatformFixture fixture, string tenantId)
    {
        using var issued = await fixture.AdminApi.PostAsJsonAsync($"/api/v1/tenants/{tenantId}/keys", new CreateApiKeyRequest("test"), JobsClient.Json);
        Assert.True(issued.StatusCode == HttpStatusCode.Created, $"issuing a key for {tenantId}: {(int)issued.StatusCode} {await issued.Content.ReadAsStringAsync()}");
        return (await issued.Content.ReadFromJsonAsync<ApiKeyCreatedResponse>(JobsClient.Json))!;
    }

    /// <summary>Exchanges a key for a token at POST /api/v1/auth/token.</summary>
    public static async Task<TokenResponse> IssueTokenAsync(this JobPlatformFixture fixture, string key, int? lifetimeSeconds = null)
    {
        using var client = fixture.CreateApiClient(key);
        using var response = await client.PostAsJsonAsync("/api/v1/auth/token", new TokenRequest(lifetimeSeconds), JobsClient.Json);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"token: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<TokenResponse>(JobsClient.Json))!;
    }
}

/// <summary>A tenant made for one test, with a client that acts as it.</summary>
public sealed record TestTenant(string Id, ApiKeyCreatedResponse Key, HttpClient Api) : IDisposable
{
    public void Dispose() => Api.Dispose();
}
