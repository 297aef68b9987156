using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

/// <summary>Event streams are bounded per tenant, and end when their credential stops holding.</summary>
[Collection(GraphCollection.Name)]
public sealed class EventStreamTests(JobPlatformFixture fixture)
{
    /// <summary>
    /// A browser's EventSource asks for text/event-stream only; a refusal must still be a problem
    /// with its status, not a 500 (the chaos soak found rate-limited streams answered 500).
    /// </summary>
    [Fact]
    public async Task RefusedStreams_AskingForEventStreamOnly_GetTheirProblems_NotA500()
    {
        using var tenant = await fixture.CreateTenantAsync(rateLimitPerMinute: 1, rateLimitBurst: 1, maxEventStreams: 1);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var anonymous = fixture.CreateApiClient(null);

        using var unauthenticated = await GetAsEventSourceAsync(anonymous);
        await AssertProblemAsync(unauthenticated, HttpStatusCode.Unauthorized);
        await using (var open = await OpenedStream.OpenAsync(tenant.Api, "/api/v1/events", timeout.Token))
        {
            using var overLimit = await GetAsEventSourceAsync(tenant.Api);
            await AssertProblemAsync(overLimit, HttpStatusCode.TooManyRequests);
            Assert.NotNull(overLimit.Headers.RetryAfter?.Delta);
        }

        async Task<HttpResponseMessage> GetAsEventSourceAsync(HttpClient client)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/events");
            request.Headers.Accept.ParseAdd("text/event-stream");
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }

        async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
        {
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(body);
            Assert.Equal((int)expected, problem.RootElement.GetProperty("status").GetInt32());
        }
    }

    [Fact]
    public async Task StreamsPastTheTenantsCap_Get429WithRetryAfter_AndAClosedStreamFreesItsPlace()
    {
        using var tenant = await fixture.CreateTenantAsync(maxEventStreams: 2);
        using var other = await fixture.CreateTenantAsync(maxEventStreams: 2);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var first = await OpenedStream.OpenAsync(tenant.Api, "/api/v1/events", timeout.Token);
        await using var second = await OpenedStream.OpenAsync(tenant.Api, "/api/v1/events", timeout.Token);

        using (var refused = await tenant.Api.GetAsync("/api/v1/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token))
        {
            var body = await refused.Content.ReadAsStringAsync(timeout.Token);
            Assert.True(refused.StatusCode == HttpStatusCode.TooManyRequests, $"expected 429, got {(int)refused.StatusCode}: {body}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After {refused.Headers.RetryAfter}");
            using var problem = JsonDocument.Parse(body);
            Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
            var detail = problem.RootElement.GetProperty("detail").GetString()!;
            Assert.Contains(tenant.Id, detail);
            Assert.Contains("2 event streams open", detail);
            Assert.Contains("maxEventStreams", detail);
        }
        // A job's own stream counts too; another tenant's streams do not.
        var job = await tenant.Api.SubmitAsync(new { type = "noop", taskCount = 1 });
        using (var oneJob = await tenant.Api.GetAsync($"/api/v1/events?jobId={job.Id}", HttpCompletionOption.ResponseHeadersRead, timeout.Token))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, oneJob.StatusCode);
        }
        await using var others = await OpenedStream.OpenAsync(other.Api, "/api/v1/events", timeout.Token);

        // The client goes away: its stream ends on the Api, and the place is free again.
        await first.DisposeAsync();
        await using var third = await Eventually.Until(
            () => OpenedStream.TryOpenAsync(tenant.Api, "/api/v1/events", timeout.Token),
            opened => opened is not null, TimeSpan.FromSeconds(10), _ => "the closed stream still counts against the cap");
    }

    [Fact]
    public async Task Streams_EndWithinSeconds_WhenTheirKeyIsRevoked_AndNoLongerCount()
    {
        using var tenant = await fixture.CreateTenantAsync(maxEventStreams: 2);
        var token = await fixture.IssueTokenAsync(tenant.Key.Key);
        using var anonymous = fixture.CreateApiClient(null);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var byKey = await OpenedStream.OpenAsync(tenant.Api, "/api/v1/events", timeout.Token);
        await using var byToken = await OpenedStream.OpenAsync(anonymous, $"/api/v1/events?access_token={token.AccessToken}", timeout.Token);

        using var revoked = await fixture.AdminApi.DeleteAsync($"/api/v1/tenants/{tenant.Id}/keys/{tenant.Key.Id}", timeout.Token);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        var clock = Stopwatch.StartNew();
        var ends = await Task.WhenAll(byKey.WaitForEndAsync(TimeSpan.FromSeconds(15)), byToken.WaitForEndAsync(TimeSpan.FromSeconds(15)));

        // A check a second, on what a replica trusts for half a second: within two seconds, with room for a busy machine.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the streams ended {clock.Elapsed.TotalSeconds:N1} s after the revocation");
        Assert.All(ends, end => Assert.True(end.Clean, $"the stream was cut off: {end.Error}"));
        var detail = await AuthenticationTests.AssertUnauthorizedAsync(
            await tenant.Api.GetAsync("/api/v1/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token), "The credential was refused.");
        Assert.Contains("revoked", detail);

        // The ended streams were counted out: the tenant's new key has both places.
        var key = await fixture.IssueKeyAsync(tenant.Id);
        using var renewed = fixture.CreateApiClient(key.Key);
        await using var again = await Eventually.Until(
            () => OpenedStream.TryOpenAsync(renewed, "/api/v1/events", timeout.Token),
            opened => opened is not null, TimeSpan.FromSeconds(10), _ => "the revoked key's streams still count against the cap");
        await using var andAgain = await OpenedStream.OpenAsync(renewed, "/api/v1/events", timeout.Token);
    }

    [Fact]
    public async Task Stream_OpenedWithAShortLivedToken_EndsWhenTheTokenExpires()
    {
        using var tenant = await fixture.CreateTenantAsync();
        var token = await fixture.IssueTokenAsync(tenant.Key.Key, lifetimeSeconds: 3);
        using var anonymous = fixture.CreateApiClient(null);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var stream = await OpenedStream.OpenAsync(anonymous, $"/api/v1/events?access_token={token.AccessToken}", timeout.Token);

        var end = await stream.WaitForEndAsync(TimeSpan.FromSeconds(15));
        var endedAt = DateTimeOffset.UtcNow;

        Assert.True(end.Clean, $"the stream was cut off: {end.Error}");
        // A token's expiry is kept in whole seconds, so it may fall up to a second before ExpiresAt.
        Assert.True(endedAt >= token.ExpiresAt - TimeSpan.FromSeconds(1.5),
            $"the stream ended at {endedAt:O}, before its token's expiry at {token.ExpiresAt:O}");
        Assert.True(endedAt <= token.ExpiresAt + TimeSpan.FromSeconds(3),
            $"the stream ended at {endedAt:O}, long after its token's expiry at {token.ExpiresAt:O}");
        var detail = await AuthenticationTests.AssertUnauthorizedAsync(
            await anonymous.GetAsync($"/api/v1/events?access_token={token.AccessToken}", HttpCompletionOption.ResponseHeadersRead, timeout.Token),
            "The credential was refused.");
        Assert.Contains("expired", detail);
    }
}

/// <summary>An event stream the Api answered 200 and sent its first <c>ping</c> on, read until it ends.</summary>
internal sealed class OpenedStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly IAsyncEnumerator<SseItem<string>> _events;

    private OpenedStream(HttpResponseMessage response, IAsyncEnumerator<SseItem<string>> events) => (_response, _events) = (response, events);

    public static async Task<OpenedStream> OpenAsync(HttpClient client, string path, CancellationToken ct) =>
        await TryOpenAsync(client, path, ct) ?? throw new Xunit.Sdk.XunitException($"GET {path} was refused 429");

    /// <summary>The stream, or null when the Api answered 429; anything else fails the test.</summary>
    public static async Task<OpenedStream?> TryOpenAsync(HttpClient client, string path, CancellationToken ct)
    {
        var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            response.Dispose();
            return null;
        }
        if (response.StatusCode != HttpStatusCode.OK)
        {
            using (response)
            {
                Assert.Fail($"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }
        }
        var events = SseParser.Create(await response.Content.ReadAsStreamAsync(ct)).EnumerateAsync(ct).GetAsyncEnumerator(ct);
        Assert.True(await events.MoveNextAsync(), $"GET {path} ended before its first event");
        Assert.Equal("ping", events.Current.EventType);
        return new OpenedStream(response, events);
    }

    /// <summary>Reads events until the Api ends the stream: cleanly, or cut off (with the error).</summary>
    public async Task<(bool Clean, string? Error)> WaitForEndAsync(TimeSpan timeout)
    {
        var read = Task.Run(async () =>
        {
            try
            {
                while (await _events.MoveNextAsync())
                {
                }
                return (true, (string?)null);
            }
            catch (Exception ex) when (ex is HttpIOException or IOException)
            {
                return (false, ex.Message);
            }
        });
        if (await Task.WhenAny(read, Task.Delay(timeout)) != read)
        {
            throw new TimeoutException($"The stream was still open after {timeout.TotalSeconds:N0} s");
        }
        return await read;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _events.DisposeAsync();
        }
        catch (Exception ex) when (ex is HttpIOException or IOException or InvalidOperationException or NotSupportedException)
        {
            // Cut off, or still being read after a timeout that failed the test.
        }
        _response.Dispose();
    }
}
