using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

/// <summary>
/// Function-level authorization: each credential reaches its own endpoints only. A tenant cannot act
/// as a worker or an administrator, the workers cannot read or submit tenants' jobs, and the
/// administrator manages tenants without seeing their jobs.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class AuthorizationTests(JobPlatformFixture fixture)
{
    private static readonly (HttpMethod Method, string Path, object? Body)[] WorkerEndpoints =
    [
        (HttpMethod.Post, "/api/v1/tasks/claims", new { claims = Array.Empty<object>() }),
        (HttpMethod.Post, "/api/v1/tasks/reports", new { reports = Array.Empty<object>() }),
        (HttpMethod.Post, $"/api/v1/tasks/{Guid.NewGuid()}/heartbeat", new { attemptId = Guid.NewGuid(), workerId = "w" }),
        (HttpMethod.Post, "/api/v1/workers/intruder/presence", new { host = "h", processId = 1, slots = 1 }),
    ];

    private static readonly (HttpMethod Method, string Path, object? Body)[] TenantEndpoints =
    [
        (HttpMethod.Get, "/api/v1/jobs", null),
        (HttpMethod.Post, "/api/v1/jobs", new { type = "noop", taskCount = 1 }),
        (HttpMethod.Get, $"/api/v1/jobs/{Guid.NewGuid()}", null),
        (HttpMethod.Get, "/api/v1/tasks?status=failed", null),
        (HttpMethod.Get, "/api/v1/events", null),
        (HttpMethod.Get, "/api/v1/workers", null),
        (HttpMethod.Get, "/api/v1/tenants/me", null),
        (HttpMethod.Post, "/api/v1/auth/token", new { }),
    ];

    private static readonly (HttpMethod Method, string Path, object? Body)[] AdminEndpoints =
    [
        (HttpMethod.Get, "/api/v1/tenants", null),
        (HttpMethod.Post, "/api/v1/tenants", new { id = "sneaky" }),
        (HttpMethod.Get, "/api/v1/tenants/dev", null),
        (HttpMethod.Post, "/api/v1/tenants/dev/keys", new { }),
        (HttpMethod.Get, "/api/v1/tenants/dev/keys", null),
        (HttpMethod.Delete, $"/api/v1/tenants/dev/keys/{Guid.NewGuid()}", null),
    ];

    [Fact]
    public async Task TenantKey_OnWorkerOrAdminEndpoints_Is403()
    {
        await AssertForbiddenAsync(fixture.Api, WorkerEndpoints, "worker");
        await AssertForbiddenAsync(fixture.Api, AdminEndpoints, "admin");
    }

    [Fact]
    public async Task WorkerCredential_OnTenantOrAdminEndpoints_Is403()
    {
        await AssertForbiddenAsync(fixture.WorkerApi, TenantEndpoints, "tenant");
        await AssertForbiddenAsync(fixture.WorkerApi, AdminEndpoints, "admin");
    }

    [Fact]
    public async Task AdminCredential_OnTenantOrWorkerEndpoints_Is403()
    {
        await AssertForbiddenAsync(fixture.AdminApi, TenantEndpoints, "tenant");
        await AssertForbiddenAsync(fixture.AdminApi, WorkerEndpoints, "worker");
    }

    [Fact]
    public async Task Admin_CreatesTenantsWithClearErrors()
    {
        foreach (var bad in new object[] { new { id = "" }, new { id = "Upper" }, new { id = "9starts-with-digit" }, new { id = "ok-id", rateLimitPerMinute = 0 }, new { id = "ok-id", maxEventStreams = 0 }, new { id = "ok-id", jobRetentionDays = 0 }, new { id = "ok-id", maxUnfinishedTasks = -1 } })
        {
            using var refused = await fixture.AdminApi.PostAsJsonAsync("/api/v1/tenants", bad, JobsClient.Json);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        using var tenant = await fixture.CreateTenantAsync(rateLimitPerMinute: 120, rateLimitBurst: 7, maxRunningTasks: 3, maxEventStreams: 4, maxUnfinishedTasks: 50, jobRetentionDays: 2);
        using var again = await fixture.AdminApi.PostAsJsonAsync("/api/v1/tenants", new { id = tenant.Id }, JobsClient.Json);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.AdminApi.PostAsJsonAsync("/api/v1/tenants/no-such-tenant/keys", new { }, JobsClient.Json)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.AdminApi.DeleteAsync($"/api/v1/tenants/{tenant.Id}/keys/{Guid.NewGuid()}")).StatusCode);

        var listed = (await fixture.AdminApi.GetFromJsonAsync<List<TenantResponse>>("/api/v1/tenants", JobsClient.Json))!;
        Assert.Contains(listed, t => t.Id == tenant.Id && t.Limits == new TenantLimits(120, 7, 3, 4, 50, 2, 100));

        // A key is shown once, starts with jp_, and works at once.
        Assert.StartsWith(TenantRules.KeyPrefix, tenant.Key.Key);
        Assert.Equal(TenantRules.KeyPrefix.Length + 43, tenant.Key.Key.Length);
        var me = (await tenant.Api.GetFromJsonAsync<TenantUsageResponse>("/api/v1/tenants/me", JobsClient.Json))!;
        Assert.Equal(new TenantLimits(120, 7, 3, 4, 50, 2, 100), me.Limits);
        Assert.Equal((0L, 0L, 0L, 0L), (me.RunningTasks, me.QueuedTasks, me.UnfinishedJobs, me.UnfinishedTasks));
    }

    private static async Task AssertForbiddenAsync(HttpClient client, (HttpMethod Method, string Path, object? Body)[] endpoints, string neededRole)
    {
        foreach (var (method, path, body) in endpoints)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: JobsClient.Json) };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var text = response.StatusCode == HttpStatusCode.OK ? "(stream)" : await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: expected 403, got {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(text);
            Assert.Contains(neededRole, problem.RootElement.GetProperty("detail").GetString());
        }
    }
}
