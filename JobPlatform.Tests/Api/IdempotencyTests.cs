using System.Net;
using System.Net.Http.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

[Collection(GraphCollection.Name)]
public sealed class IdempotencyTests(JobPlatformFixture fixture)
{
    private readonly HttpClient _api = fixture.Api;

    [Fact]
    public async Task SameKeyAndBody_ReplaysTheFirstResponse_AndCreatesOneJob()
    {
        var key = Guid.NewGuid().ToString();
        var body = new { name = $"idem-{key}", type = "noop", taskCount = 3 };

        using var first = await _api.PostJobAsync(body, key);
        var firstText = await first.Content.ReadAsStringAsync();
        using var second = await _api.PostJobAsync(body, key);
        var secondText = await second.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(firstText, secondText);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.True(second.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, await CountJobsNamedAsync(body.name));
    }

    [Fact]
    public async Task SameKey_WithAnotherBody_Is422_AndCreatesNothing()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await _api.PostJobAsync(new { name = $"idem-{key}", type = "noop", taskCount = 1 }, key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        using var second = await _api.PostJobAsync(new { name = $"idem-{key}", type = "noop", taskCount = 2 }, key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, await CountJobsNamedAsync($"idem-{key}"));
    }

    [Fact]
    public async Task TwentyConcurrentDuplicates_MakeOneJob()
    {
        var key = Guid.NewGuid().ToString();
        var body = new { name = $"idem-{key}", type = "noop", taskCount = 50 };

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _api.PostJobAsync(body, key)));

        // A duplicate either sees the committed job (its response replayed) or the first still in flight (409).
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        var created = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        Assert.NotEmpty(created);
        var ids = new HashSet<Guid>();
        foreach (var response in created)
        {
            ids.Add((await response.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!.Id);
        }
        Assert.Single(ids);
        Assert.Equal(1, await CountJobsNamedAsync(body.name));
        foreach (var response in responses)
        {
            response.Dispose();
        }

        var job = await _api.WaitForFinalAsync(ids.Single());
        Assert.Equal(50, job.Counts.Succeeded);
    }

    [Fact]
    public async Task OverlongKey_Is400()
    {
        using var response = await _api.PostJobAsync(new { type = "noop", taskCount = 1 }, new string('k', JobLimits.MaxIdempotencyKeyLength + 1));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private Task<long> CountJobsNamedAsync(string name) =>
        fixture.QueryScalarAsync<long>("SELECT count(*) FROM jobs WHERE name = @name", ("name", name));
}
