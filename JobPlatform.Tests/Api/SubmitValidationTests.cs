using System.Net;
using System.Text;
using System.Text.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

[Collection(GraphCollection.Name)]
public sealed class SubmitValidationTests(JobPlatformFixture fixture)
{
    public static TheoryData<string, string, int, string> BadBodies => new()
    {
        { "malformed JSON", "{\"type\": \"noop\", ", 400, "body" },
        { "not an object", "[1, 2]", 400, "body" },
        { "null", "null", 400, "body" },
        { "missing type", "{\"taskCount\": 1}", 400, "type" },
        { "unknown type", "{\"type\": \"teleport\", \"taskCount\": 1}", 400, "type" },
        { "missing taskCount", "{\"type\": \"noop\"}", 400, "taskCount" },
        { "taskCount 0", "{\"type\": \"noop\", \"taskCount\": 0}", 400, "taskCount" },
        { "negative taskCount", "{\"type\": \"noop\", \"taskCount\": -3}", 400, "taskCount" },
        { "taskCount over the maximum", $"{{\"type\": \"noop\", \"taskCount\": {JobLimits.MaxTaskCount + 1}}}", 400, "taskCount" },
        { "taskCount not a number", "{\"type\": \"noop\", \"taskCount\": \"many\"}", 400, "taskCount" },
        { "maxAttempts 0", "{\"type\": \"noop\", \"taskCount\": 1, \"maxAttempts\": 0}", 400, "maxAttempts" },
        { "parameter out of range", "{\"type\": \"sleep\", \"taskCount\": 1, \"parameters\": {\"ms\": -1}}", 400, "parameters.ms" },
        { "unknown parameter", "{\"type\": \"sleep\", \"taskCount\": 1, \"parameters\": {\"seconds\": 1}}", 400, "parameters.seconds" },
        { "probability over 1", "{\"type\": \"fail\", \"taskCount\": 1, \"parameters\": {\"probability\": 1.5}}", 400, "parameters.probability" },
        { "unknown field (a start time by another name)", "{\"type\": \"noop\", \"taskCount\": 1, \"startAt\": \"2030-01-01T00:00:00Z\"}", 400, "startAt" },
        { "runAt and delay both", "{\"type\": \"noop\", \"taskCount\": 1, \"runAt\": \"2030-01-01T00:00:00Z\", \"delay\": \"00:05:00\"}", 400, "delay" },
        { "negative delay", "{\"type\": \"noop\", \"taskCount\": 1, \"delay\": \"-00:05:00\"}", 400, "delay" },
        { "delay not a duration", "{\"type\": \"noop\", \"taskCount\": 1, \"delay\": \"soon\"}", 400, "delay" },
        { "runAt over a year ahead", "{\"type\": \"noop\", \"taskCount\": 1, \"runAt\": \"2999-01-01T00:00:00Z\"}", 400, "runAt" },
        { "misspelt field", "{\"type\": \"noop\", \"taskCount\": 1, \"maxAttempt\": 1}", 400, "maxAttempt" },
        { "NUL in the name", "{\"type\": \"noop\", \"taskCount\": 1, \"name\": \"a\\u0000b\"}", 400, "name" },
        { "NUL in a parameter", "{\"type\": \"echo\", \"taskCount\": 1, \"parameters\": {\"note\": \"a\\u0000b\"}}", 400, "parameters.note" },
        { "NUL in a nested parameter name", "{\"type\": \"echo\", \"taskCount\": 1, \"parameters\": {\"list\": [{\"k\\u0000\": 1}]}}", 400, "parameters.list[0]" },
        { "input out of range", "{\"type\": \"sleep\", \"inputs\": [{\"ms\": 10}, {\"ms\": -1}]}", 400, "inputs[1].ms" },
        { "unknown input field", "{\"type\": \"sleep\", \"inputs\": [{\"seconds\": 1}]}", 400, "inputs[0].seconds" },
        { "null in an input", "{\"type\": \"sleep\", \"inputs\": [{\"ms\": null}]}", 400, "inputs[0].ms" },
        { "null input", "{\"type\": \"echo\", \"inputs\": [{}, null]}", 400, "inputs[1]" },
        { "input not an object", "{\"type\": \"echo\", \"inputs\": [3]}", 400, "inputs[0]" },
        { "no inputs", "{\"type\": \"echo\", \"inputs\": []}", 400, "inputs" },
        { "taskCount not matching the inputs", "{\"type\": \"echo\", \"taskCount\": 2, \"inputs\": [{}]}", 400, "taskCount" },
        { "NUL in an input", "{\"type\": \"echo\", \"inputs\": [{\"note\": \"a\\u0000b\"}]}", 400, "inputs[0].note" },
        { "oversized input", JsonSerializer.Serialize(new { type = "echo", inputs = new[] { new { blob = new string('x', JobLimits.MaxInputBytes) } } }), 413, "" },
        { "oversized parameters", JsonSerializer.Serialize(new { type = "echo", taskCount = 1, parameters = new { blob = new string('x', JobLimits.MaxParametersBytes) } }), 413, "" },
        { "oversized body", JsonSerializer.Serialize(new { type = "echo", taskCount = 1, parameters = new { blob = new string('x', JobLimits.MaxRequestBodyBytes) } }), 413, "" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task BadSubmission_IsAProblemResponse_AndCreatesNothing(string because, string body, int status, string field)
    {
        var before = await CountRowsAsync();

        // As curl does for a big body: the body follows only once the Api says so, and an oversized
        // one is refused before it is sent (else the refusal races the upload, which may then break
        // its pipe instead of reading the 413).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
            Headers = { ExpectContinue = true },
        };
        using var response = await fixture.Api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(status == (int)response.StatusCode, $"{because}: expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("title").GetString()));
        if (field.Length > 0)
        {
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"{because}: no error for '{field}' in {text}");
        }
        Assert.Equal(before, await CountRowsAsync());
    }

    [Fact]
    public async Task NonJsonContentType_Is415Problem()
    {
        using var content = new StringContent("type=noop", Encoding.UTF8, "text/plain");
        using var response = await fixture.Api.PostAsync("/api/v1/jobs", content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/v1/jobs?page=0", "page")]
    [InlineData("/api/v1/jobs?pageSize=501", "pageSize")]
    [InlineData("/api/v1/jobs?status=finished", "status")]
    // Pages whose first item's position overflows a 32-bit offset.
    [InlineData("/api/v1/jobs?page=4294969&pageSize=500", "page")]
    [InlineData("/api/v1/jobs?page=2147483647&pageSize=2", "page")]
    [InlineData("/api/v1/jobs/0193a000-0000-7000-8000-000000000000/tasks?page=4294969&pageSize=500", "page")]
    [InlineData("/api/v1/tasks?status=failed&page=4294969&pageSize=500", "page")]
    public async Task BadListQuery_Is400Problem_NamingTheParameter(string path, string parameter)
    {
        using var response = await fixture.Api.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(parameter, out _), problem.RootElement.ToString());
    }

    [Theory]
    [InlineData("/api/v1/jobs?page=99999999999")]
    [InlineData("/api/v1/jobs?pageSize=abc")]
    public async Task ListQueryThatIsNotANumber_Is400Problem(string path)
    {
        using var response = await fixture.Api.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Bodies the framework binds (not the job's own reader) name an unknown or unstorable field too.</summary>
    [Theory]
    [InlineData("/api/v1/tenants", "{\"id\": \"strict-fields\", \"maxRunningTask\": 5}", "maxRunningTask")]
    [InlineData("/api/v1/tenants", "{\"id\": \"nul-name\", \"name\": \"a\\u0000b\"}", "name")]
    [InlineData("/api/v1/tenants/dev/keys", "{\"name\": \"ci\", \"expires\": \"never\"}", "expires")]
    public async Task AdminBody_WithAnUnknownOrNulField_Is400NamingIt(string path, string body, string field)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await fixture.AdminApi.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {text}");
        Assert.Equal(0, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM tenants WHERE id IN ('strict-fields', 'nul-name')"));
    }

    private async Task<(long Jobs, long Tasks, long Outbox)> CountRowsAsync() => (
        await fixture.QueryScalarAsync<long>("SELECT count(*) FROM jobs"),
        await fixture.QueryScalarAsync<long>("SELECT count(*) FROM tasks"),
        await fixture.QueryScalarAsync<long>("SELECT count(*) FROM outbox_messages"));
}
