using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace JobPlatform.Client;

/// <summary>
/// Sends each call with a token exchanged for the tenant's API key (POST /api/v1/auth/token), so the
/// key itself crosses the wire once per token. A token is renewed a fifth of its lifetime (at most a
/// minute) before it expires, and once more when the Api answers 401 to it (a clock that differs, a
/// signing key rotated). Any other credential is sent as it is.
/// </summary>
internal sealed class ApiKeyTokenHandler(TokenCache tokens, IOptions<JobPlatformClientOptions> options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var key = options.Value.ApiKey;
        if (string.IsNullOrEmpty(key) || !key.StartsWith(TenantRules.KeyPrefix, StringComparison.Ordinal))
        {
            if (!string.IsNullOrEmpty(key))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
            return await base.SendAsync(request, ct);
        }

        var (token, refused) = await tokens.GetAsync(key, stale: null, Exchange, ct);
        if (refused is not null)
        {
            return refused;
        }
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, ct);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        // The token was refused: exchange the key again, once, and send the call again.
        (var renewed, refused) = await tokens.GetAsync(key, stale: token, Exchange, ct);
        if (refused is not null)
        {
            response.Dispose();
            return refused;
        }
        response.Dispose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", renewed);
        return await base.SendAsync(request, ct);

        async Task<(TokenResponse? Token, HttpResponseMessage? Refused)> Exchange(CancellationToken token)
        {
            using var exchange = new HttpRequestMessage(HttpMethod.Post, new Uri(request.RequestUri!, "/api/v1/auth/token"))
            {
                Content = JsonContent.Create(new TokenRequest((int?)options.Value.TokenLifetime?.TotalSeconds), options: JobPlatformJson.Options),
            };
            exchange.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var answer = await base.SendAsync(exchange, token);
            if (!answer.IsSuccessStatusCode)
            {
                // The caller gets the refusal as its own answer: a 429 or 503 is retried like any.
                return (null, answer);
            }
            using (answer)
            {
                return (await answer.Content.ReadFromJsonAsync<TokenResponse>(JobPlatformJson.Options, token), null);
            }
        }
    }
}

/// <summary>The current token of each key, shared by every handler the client factory makes (they are recycled).</summary>
internal sealed class TokenCache(TimeProvider clock)
{
    private readonly SemaphoreSlim _exchange = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TokenResponse> _tokens = new(StringComparer.Ordinal);

    /// <summary>How many tokens were exchanged, for tests and diagnostics.</summary>
    public int Exchanges { get; private set; }

    /// <summary>
    /// A token for <paramref name="key"/> that is not about to expire and is not <paramref name="stale"/>:
    /// the cached one, or a new one from <paramref name="exchange"/> (one exchange at a time, so many
    /// concurrent calls share it). A refused exchange returns the Api's answer instead.
    /// </summary>
    public async Task<(string? Token, HttpResponseMessage? Refused)> GetAsync(
        string key, string? stale, Func<CancellationToken, Task<(TokenResponse? Token, HttpResponseMessage? Refused)>> exchange, CancellationToken ct)
    {
        if (Fresh(key, stale) is { } cached)
        {
            return (cached, null);
        }
        await _exchange.WaitAsync(ct);
        try
        {
            if (Fresh(key, stale) is { } exchanged)
            {
                return (exchanged, null);
            }
            var (token, refused) = await exchange(ct);
            if (token is null)
            {
                return (null, refused);
            }
            Exchanges++;
            _tokens[key] = token;
            return (token.AccessToken, null);
        }
        finally
        {
            _exchange.Release();
        }
    }

    private string? Fresh(string key, string? stale)
    {
        if (!_tokens.TryGetValue(key, out var token) || token.AccessToken == stale)
        {
            return null;
        }
        var renewBefore = TimeSpan.FromSeconds(Math.Min(60, token.ExpiresIn / 5.0));
        return clock.GetUtcNow() < token.ExpiresAt - renewBefore ? token.AccessToken : null;
    }
}
