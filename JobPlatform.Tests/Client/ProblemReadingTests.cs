using System.Net;
using System.Text;
using JobPlatform.Client;

namespace JobPlatform.Tests.Client;

/// <summary>How the client reads a refusal into <see cref="JobPlatformApiException"/>: pure parsing, no Api.</summary>
public sealed class ProblemReadingTests
{
    [Fact]
    public async Task AValidationProblem_KeepsItsTitle_Detail_Fields_AndRetryAfter()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests)
        {
            Content = new StringContent(
                """{"type":"https://tools.ietf.org/html/rfc6585#section-4","title":"Too many requests.","status":429,"detail":"Slow down.","errors":{"inputs[2].rounds":["must be at least 1"]},"traceId":"00-abc-def-01"}""",
                Encoding.UTF8, "application/problem+json"),
        };
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));

        var problem = await JobPlatformApiException.FromResponseAsync(response, default);

        Assert.Equal((HttpStatusCode.TooManyRequests, "Too many requests.", "Slow down.", "00-abc-def-01"), (problem.StatusCode, problem.Title, problem.Detail, problem.TraceId));
        Assert.Equal(["must be at least 1"], problem.Errors["inputs[2].rounds"]);
        Assert.Equal(TimeSpan.FromSeconds(7), problem.RetryAfter);
        Assert.Equal("429 Too many requests. Slow down. inputs[2].rounds: must be at least 1", problem.Message);
    }

    [Fact]
    public async Task ABodyThatIsNotAProblem_BecomesTheDetail()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>upstream gone</html>") };

        var problem = await JobPlatformApiException.FromResponseAsync(response, default);

        Assert.Equal((HttpStatusCode.BadGateway, "Bad Gateway", "<html>upstream gone</html>"), (problem.StatusCode, problem.Title, problem.Detail));
        Assert.Empty(problem.Errors);
    }
}
