using JobPlatform.Api.Data;
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

    /// <summary>
    /// An Idempotency-Key's lock lives in a class of its own: a request holding it is "in progress"
    /// to a second one, while the relay's, reconciler's and migrator's locks, held at the same time,
    /// stop no submission.
    /// </summary>
    [Fact]
    public async Task KeyLock_IsInItsOwnClass_AndHeldIsInProgress()
    {
        var key = Guid.NewGuid().ToString();
        var tenant = await fixture.QueryScalarAsync<string>("SELECT id FROM tenants WHERE id = 'dev'");
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        Assert.True(await AdvisoryLocks.TryTakeAsync(connection, transaction, AdvisoryLocks.IdempotencyKey, AdvisoryLocks.IdempotencyKeyOf(tenant, key), CancellationToken.None));

        using (var held = await _api.PostJobAsync(new { name = $"idem-{key}", type = "noop", taskCount = 1 }, key))
        {
            Assert.Equal(HttpStatusCode.Conflict, held.StatusCode);
            Assert.Contains("in progress", await held.Content.ReadAsStringAsync());
        }
        await transaction.RollbackAsync();

        // The singletons' locks, held by this test, are no key's: a keyed submission goes through.
        await using var singletons = await connection.BeginTransactionAsync();
        foreach (var lockClass in new[] { AdvisoryLocks.Relay, AdvisoryLocks.Reconciler, AdvisoryLocks.Migration })
        {
            Assert.True(await AdvisoryLocks.TryTakeAsync(connection, singletons, lockClass, 0, CancellationToken.None));
        }
        using var created = await _api.PostJobAsync(new { name = $"idem-{key}", type = "noop", taskCount = 1 }, key);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await singletons.RollbackAsync();
        Assert.Equal(1, await CountJobsNamedAsync($"idem-{key}"));
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
