using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobPlatform.Tests.Api;

/// <summary>Who the caller is: keys, tokens, and a 401 problem with a challenge for anything else.</summary>
[Collection(GraphCollection.Name)]
public sealed class AuthenticationTests(JobPlatformFixture fixture, ITestOutputHelper output)
{
    [Theory]
    [InlineData(null, "Authentication required.")]
    [InlineData("Basic dXNlcjpwYXNz", "The credential was refused.")]
    [InlineData("Bearer", "The credential was refused.")]
    [InlineData("Bearer not-a-key", "The credential was refused.")]
    [InlineData("Bearer jp_this-key-was-never-issued-by-anyone-at-all-00000", "The credential was refused.")]
    [InlineData("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "The credential was refused.")]
    public async Task MissingMalformedOrUnknownCredentials_Get401Problems(string? authorization, string title)
    {
        using var client = fixture.CreateApiClient(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/jobs");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        using var response = await client.SendAsync(request);
        await AssertUnauthorizedAsync(response, title);
    }

    [Fact]
    public async Task RevokedKey_And_ItsTokens_AreRefusedWithinASecond()
    {
        using var tenant = await fixture.CreateTenantAsync();
        var token = await fixture.IssueTokenAsync(tenant.Key.Key);
        using var byToken = fixture.CreateApiClient(token.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await tenant.Api.GetAsync("/api/v1/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await byToken.GetAsync("/api/v1/jobs")).StatusCode);

        using var revoked = await fixture.AdminApi.DeleteAsync($"/api/v1/tenants/{tenant.Id}/keys/{tenant.Key.Id}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1));

        var afterKey = await AssertUnauthorizedAsync(await tenant.Api.GetAsync("/api/v1/jobs"), "The credential was refused.");
        Assert.Contains("revoked", afterKey);
        var afterToken = await AssertUnauthorizedAsync(await byToken.GetAsync("/api/v1/jobs"), "The credential was refused.");
        Assert.Contains("revoked", afterToken);

        // Revoking again changes nothing; the key is listed with when it was revoked, and never its secret.
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.AdminApi.DeleteAsync($"/api/v1/tenants/{tenant.Id}/keys/{tenant.Key.Id}")).StatusCode);
        var listed = await fixture.AdminApi.GetStringAsync($"/api/v1/tenants/{tenant.Id}/keys");
        Assert.DoesNotContain(tenant.Key.Key, listed);
        var keys = JsonSerializer.Deserialize<List<ApiKeyResponse>>(listed, JobsClient.Json)!;
        var key = Assert.Single(keys);
        Assert.NotNull(key.RevokedAt);
        Assert.Equal(tenant.Key.Prefix, key.Prefix);
        Assert.StartsWith(TenantRules.KeyPrefix, key.Prefix);
    }

    [Fact]
    public async Task ExpiredToken_IsRefused_WithAHint()
    {
        using var tenant = await fixture.CreateTenantAsync();
        var token = await fixture.IssueTokenAsync(tenant.Key.Key, lifetimeSeconds: 1);
        Assert.Equal(1, token.ExpiresIn);
        Assert.Equal(tenant.Id, token.TenantId);
        using var byToken = fixture.CreateApiClient(token.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await byToken.GetAsync("/api/v1/tenants/me")).StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(2.2));
        var detail = await AssertUnauthorizedAsync(await byToken.GetAsync("/api/v1/tenants/me"), "The credential was refused.");
        Assert.Contains("expired", detail);
    }

    [Fact]
    public async Task TokenWithAnotherSignature_IsRefused()
    {
        using var tenant = await fixture.CreateTenantAsync();
        var token = await fixture.IssueTokenAsync(tenant.Key.Key);
        var parts = token.AccessToken.Split('.');
        var forged = $"{parts[0]}.{parts[1]}.{new string('A', parts[2].Length)}";
        using var client = fixture.CreateApiClient(forged);
        var detail = await AssertUnauthorizedAsync(await client.GetAsync("/api/v1/jobs"), "The credential was refused.");
        Assert.Contains("signature", detail);
    }

    [Fact]
    public async Task Token_WorksLikeTheKey_IncludingTheEventStream_ButCannotBeExchangedAgain()
    {
        using var tenant = await fixture.CreateTenantAsync();
        var token = await fixture.IssueTokenAsync(tenant.Key.Key);
        using var byToken = fixture.CreateApiClient(token.AccessToken);

        var me = (await byToken.GetFromJsonAsync<TenantUsageResponse>("/api/v1/tenants/me", JobsClient.Json))!;
        Assert.Equal(tenant.Id, me.Id);
        var job = await byToken.SubmitAsync(new { type = "noop", taskCount = 1 });
        Assert.Equal(job.Id, (await tenant.Api.GetJobAsync(job.Id)).Id);

        // EventSource cannot send headers: the stream takes the token as ?access_token=.
        using var anonymous = fixture.CreateApiClient(null);
        using var stream = await anonymous.GetAsync($"/api/v1/events?jobId={job.Id}&access_token={token.AccessToken}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        // Elsewhere a token in the query is not a credential.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/v1/jobs?access_token={token.AccessToken}")).StatusCode);

        using var again = await byToken.PostAsJsonAsync("/api/v1/auth/token", new TokenRequest(), JobsClient.Json);
        Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        using var tooLong = await tenant.Api.PostAsJsonAsync("/api/v1/auth/token", new TokenRequest(LifetimeSeconds: 86_400 * 2), JobsClient.Json);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }

    /// <summary>
    /// Guessing keys: from one address, refused keys get 401 until its allowance is spent, then 429
    /// with Retry-After and no database query; each guess cost at most one look-up.
    /// </summary>
    [Fact]
    public async Task GuessingKeys_Gets401Then429_AndFewLookUps()
    {
        const int Guesses = 5_000;
        await using (var connection = await fixture.OpenDatabaseAsync())
        {
            await using var create = new Npgsql.NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", connection);
            await create.ExecuteNonQueryAsync();
        }
        var before = await LookUpsAsync();

        using var guesser = fixture.CreateApiClientFrom(IPAddress.Parse("127.0.0.2"));
        var statuses = new HttpStatusCode[Guesses];
        string? retryAfter = null;
        await Parallel.ForAsync(0, Guesses, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/jobs");
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer jp_guess-{Guid.NewGuid():N}{Guid.NewGuid():N}");
            using var response = await guesser.SendAsync(request, ct);
            statuses[i] = response.StatusCode;
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                retryAfter ??= response.Headers.RetryAfter?.Delta?.ToString();
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        });

        var refused = statuses.Count(s => s == HttpStatusCode.Unauthorized);
        var throttled = statuses.Count(s => s == HttpStatusCode.TooManyRequests);
        Assert.Equal(Guesses, refused + throttled);
        // The allowance, plus what refilled (a second's worth at a time) while the guesses ran.
        Assert.InRange(refused, JobPlatformFixture.FailedAttemptsBurst, JobPlatformFixture.FailedAttemptsBurst + 200);
        Assert.NotNull(retryAfter);
        var lookUps = await LookUpsAsync() - before;
        Assert.True(lookUps <= refused, $"{lookUps} key look-ups for {refused} refused keys and {throttled} throttled ones");
        output.WriteLine($"{Guesses:N0} random keys: {refused:N0} answered 401, {throttled:N0} answered 429 (Retry-After {retryAfter}); {lookUps:N0} key look-ups in PostgreSQL");

        // The throttle is the guesser's: this test's own address still gets plain 401s.
        using var other = fixture.CreateApiClient("jp_not-a-guesser-but-unknown-0000000000000000");
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/api/v1/jobs")).StatusCode);
    }

    private Task<long> LookUpsAsync() => fixture.QueryScalarAsync<long>(
        "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements WHERE query LIKE '%FROM api_keys k JOIN tenants t%k.hash =%'");

    [Fact]
    public async Task ProbesMetricsAndTheApiDescription_NeedNoCredential()
    {
        using var anonymous = fixture.CreateApiClient(null);
        foreach (var path in new[] { "/health", "/alive", "/metrics", "/openapi/v1.json" })
        {
            using var response = await anonymous.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}");
        }
    }

    /// <summary>Checks a 401 problem with a Bearer challenge and returns its detail.</summary>
    internal static async Task<string> AssertUnauthorizedAsync(HttpResponseMessage response, string title)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"expected 401, got {(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var challenge = Assert.Single(response.Headers.WwwAuthenticate);
            Assert.Equal("Bearer", challenge.Scheme);
            using var problem = JsonDocument.Parse(body);
            Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
            Assert.Equal(title, problem.RootElement.GetProperty("title").GetString());
            return problem.RootElement.GetProperty("detail").GetString()!;
        }
    }
}
