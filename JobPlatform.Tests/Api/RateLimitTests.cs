using System.Net;
using System.Text.Json;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

/// <summary>Each tenant has its own token bucket: a burst past it gets 429, and no other tenant notices.</summary>
[Collection(GraphCollection.Name)]
public sealed class RateLimitTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task BurstPastTheBucket_Gets429WithRetryAfter_AndAnotherTenantIsUnaffected()
    {
        const int burst = 5;
        // One token a minute refills: nothing comes back during the test.
        using var noisy = await fixture.CreateTenantAsync(rateLimitPerMinute: 1, rateLimitBurst: burst);
        using var quiet = await fixture.CreateTenantAsync(rateLimitPerMinute: 1, rateLimitBurst: burst);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < burst + 3; i++)
        {
            var response = await noisy.Api.GetAsync("/api/v1/jobs");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited ??= response;
            }
            else
            {
                response.Dispose();
            }
        }
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, burst).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)), statuses);

        using (limited)
        {
            Assert.NotNull(limited!.Headers.RetryAfter?.Delta);
            Assert.True(limited.Headers.RetryAfter!.Delta >= TimeSpan.FromSeconds(1), $"Retry-After {limited.Headers.RetryAfter}");
            Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await limited.Content.ReadAsStringAsync());
            Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
            Assert.Contains(noisy.Id, problem.RootElement.GetProperty("detail").GetString());
        }

        // At the same moment, a tenant with the same limits has its whole burst.
        for (var i = 0; i < burst; i++)
        {
            using var response = await quiet.Api.GetAsync("/api/v1/jobs");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        // The workers' calls are not a tenant's, so no tenant's limit applies to them.
        using var workers = await fixture.WorkerApi.PostAsync("/api/v1/workers/rate-limit-probe/presence",
            System.Net.Http.Json.JsonContent.Create(new { host = "probe", processId = 1, slots = 1, startedAt = DateTimeOffset.UtcNow }));
        Assert.Equal(HttpStatusCode.NoContent, workers.StatusCode);
    }
}
