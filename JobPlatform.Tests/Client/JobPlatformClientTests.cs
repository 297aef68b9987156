using System.Net;
using System.Text.Json.Nodes;
using JobPlatform.Client;
using JobPlatform.AppHost;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace JobPlatform.Tests.Client;

/// <summary>JobPlatform.Client against the real graph, through a handler that records each try and plays a faulty network.</summary>
[Collection(GraphCollection.Name)]
public sealed class JobPlatformClientTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task ASubmitWhoseAnswerIsLost_IsSentAgainWithItsKey_AndMakesOneJob()
    {
        var (client, recorder, _) = Create(fixture.App.GetSecret("dev-tenant"), r => r.LoseFirstSubmitAnswer = true);
        var name = $"client-lost-{Guid.NewGuid():N}"[..24];

        var job = await client.SubmitAsync(new SubmitJobRequest(name, TaskTypes.Noop, 3, null, null));

        var submits = recorder.Requests.Where(r => r.Path == "/api/v1/jobs").ToList();
        Assert.Equal(2, submits.Count);
        Assert.NotNull(submits[0].IdempotencyKey);
        Assert.Equal(submits[0].IdempotencyKey, submits[1].IdempotencyKey);
        Assert.Equal(1, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM jobs WHERE name = @name", ("name", name)));
        Assert.Equal(job.Id, await fixture.QueryScalarAsync<Guid>("SELECT id FROM jobs WHERE name = @name", ("name", name)));
        Assert.Equal(JobStatus.Completed, (await client.WaitAsync(job.Id)).Status);

        // A second logical submission of the same body gets a key of its own, so a second job.
        var again = await client.SubmitAsync(new SubmitJobRequest(name, TaskTypes.Noop, 3, null, null));
        Assert.NotEqual(job.Id, again.Id);
    }

    [Fact]
    public async Task ListJobs_ReadsEveryPage_NewestFirst()
    {
        using var tenant = await fixture.CreateTenantAsync();
        var (client, recorder, _) = Create(tenant.Key.Key);
        var submitted = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            submitted.Add((await client.SubmitAsync(new SubmitJobRequest($"page-{i}", TaskTypes.Noop, 1, null, null))).Id);
        }

        var listed = await client.ListJobsAsync(pageSize: 2).Select(j => j.Id).ToListAsync();

        Assert.Equal(Enumerable.Reverse(submitted), listed);
        Assert.Equal(3, recorder.Requests.Count(r => r.Path.StartsWith("/api/v1/jobs?", StringComparison.Ordinal)));
        Assert.Equal(["page-1"], await client.ListJobsAsync(new JobQuery(Name: "page-1")).Select(j => j.Name).ToListAsync());
    }

    [Fact]
    public async Task Results_StreamInTaskOrder_AndResumeAfterTheLastLineRead_WhenTheConnectionDrops()
    {
        var (client, recorder, _) = Create(fixture.App.GetSecret("dev-tenant"), r => r.CutAfterLines = 2);
        var inputs = Enumerable.Range(0, 6).Select(i => (JsonObject?)new JsonObject { ["n"] = i }).ToList();
        var job = await client.SubmitAsync(new SubmitJobRequest("client-results", TaskTypes.Echo, null, null, null, Inputs: inputs));
        Assert.Equal(JobStatus.Completed, (await client.WaitAsync(job.Id)).Status);
        recorder.CutPath = $"/api/v1/jobs/{job.Id}/results";

        var lines = await client.ReadResultsAsync(job.Id).ToListAsync();

        Assert.Equal([0, 1, 2, 3, 4, 5], lines.Select(l => l.Index));
        Assert.Equal([0, 1, 2, 3, 4, 5], lines.Select(l => l.Result!["n"]!.GetValue<int>()));
        Assert.All(lines, l => Assert.Equal(JobTaskStatus.Succeeded, l.Status));
        var reads = recorder.Requests.Where(r => r.Path.StartsWith($"/api/v1/jobs/{job.Id}/results", StringComparison.Ordinal)).Select(r => r.Path).ToList();
        Assert.Equal([$"/api/v1/jobs/{job.Id}/results?after=-1", $"/api/v1/jobs/{job.Id}/results?after=1"], reads);
    }

    [Fact]
    public async Task A429_IsTriedAgain_AfterItsRetryAfter()
    {
        // One request every two seconds, one at once: quick calls meet the limit, unless the machine
        // idles two seconds between them.
        using var tenant = await fixture.CreateTenantAsync(rateLimitPerMinute: 30, rateLimitBurst: 1);
        var (client, recorder, _) = Create(tenant.Key.Key);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(tenant.Id, (await client.GetMyTenantAsync()).Id);
        }

        var sent = recorder.Requests;
        var limited = sent.Select((s, i) => (s, i)).Where(x => x.s.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        foreach (var (refused, index) in limited)
        {
            var retryAfter = Assert.IsType<TimeSpan>(refused.RetryAfter);
            Assert.True(index + 1 < sent.Count, "a 429 was not tried again");
            var waited = sent[index + 1].At - refused.At;
            Assert.True(waited >= retryAfter - TimeSpan.FromMilliseconds(100), $"tried again after {waited.TotalMilliseconds:F0} ms, Retry-After was {retryAfter.TotalSeconds} s");
        }
        Assert.Equal(HttpStatusCode.OK, sent[^1].Status);
    }

    [Fact]
    public async Task ATokenTheApiRefuses_IsRenewed_AndTheCallSentAgain()
    {
        // The client's clock stands still while the Api's moves on: the client still thinks its
        // five-second token fresh when the Api refuses it.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (client, recorder, services) = Create(fixture.App.GetSecret("dev-tenant"), configure: o => o.TokenLifetime = TimeSpan.FromSeconds(5), clock: clock);
        Assert.Equal(JobPlatformGraph.DevTenantId, (await client.GetMyTenantAsync()).Id);
        await Task.Delay(TimeSpan.FromSeconds(6));

        Assert.Equal(JobPlatformGraph.DevTenantId, (await client.GetMyTenantAsync()).Id);

        var calls = recorder.Requests.Select(r => (r.Path, r.Status)).ToList();
        Assert.Equal(
            [
                ("/api/v1/auth/token", HttpStatusCode.OK), ("/api/v1/tenants/me", HttpStatusCode.OK),
                ("/api/v1/tenants/me", HttpStatusCode.Unauthorized), ("/api/v1/auth/token", HttpStatusCode.OK), ("/api/v1/tenants/me", HttpStatusCode.OK),
            ],
            calls);
        Assert.Equal(2, services.GetRequiredService<TokenCache>().Exchanges);
    }

    [Fact]
    public async Task TheApisProblems_ReachTheCaller_WithTheirFields()
    {
        var (client, _, _) = Create(fixture.App.GetSecret("dev-tenant"));

        var invalid = await Assert.ThrowsAsync<JobPlatformApiException>(() => client.SubmitAsync(new SubmitJobRequest(null, TaskTypes.Sleep, 0, new JsonObject { ["ms"] = -1 }, null)));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("taskCount", invalid.Errors.Keys);
        Assert.NotNull(invalid.TraceId);

        var missing = Guid.NewGuid();
        var notFound = await Assert.ThrowsAsync<JobPlatformApiException>(() => client.GetJobAsync(missing));
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Contains(missing.ToString(), notFound.Detail);
        Assert.StartsWith("404 ", notFound.Message);

        var (anonymous, _, _) = Create("jp_not-a-key");
        var refused = await Assert.ThrowsAsync<JobPlatformApiException>(() => anonymous.GetMyTenantAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task WaitAsync_FollowsTheJob_ThroughAnEventStreamThatKeepsDropping()
    {
        var (client, recorder, _) = Create(fixture.App.GetSecret("dev-tenant"), r => { r.CutPath = "/api/v1/events"; r.CutAfter = TimeSpan.FromSeconds(1); r.CutEvery = true; },
            o => { o.ReconnectAfter = TimeSpan.FromSeconds(1); o.PollInterval = TimeSpan.FromMilliseconds(300); });
        var job = await client.SubmitAsync(new SubmitJobRequest("client-wait", TaskTypes.Sleep, 6, new JsonObject { ["ms"] = 3_000 }, null));

        var seen = await client.WatchAsync(job.Id).ToListAsync();

        Assert.Equal(JobStatus.Completed, seen[^1].Status);
        Assert.Equal(6, seen[^1].Counts.Succeeded);
        Assert.Single(seen, JobPlatformClient.IsFinal);
        Assert.True(recorder.Requests.Count(r => r.Path.StartsWith("/api/v1/events", StringComparison.Ordinal)) >= 2, "the stream was not opened again");
        Assert.Equal(JobStatus.Completed, (await client.WaitAsync(job.Id)).Status);
    }

    [Fact]
    public async Task WatchAsync_WaitsOutAnApiThatCannotAnswer_LongerThanItsRetries()
    {
        // The event stream is cut every second and the job's reads answer 503 for 8 s: far past one
        // call's retries (4 tries, 100 ms backoff), so only the watch's own patience carries it.
        var (client, recorder, _) = Create(fixture.App.GetSecret("dev-tenant"), r => { r.CutPath = "/api/v1/events"; r.CutAfter = TimeSpan.FromSeconds(1); r.CutEvery = true; },
            o => { o.ReconnectAfter = TimeSpan.FromSeconds(1); o.PollInterval = TimeSpan.FromMilliseconds(300); });
        var job = await client.SubmitAsync(new SubmitJobRequest("client-outage", TaskTypes.Sleep, 2, new JsonObject { ["ms"] = 2_000 }, null));
        JobResponse? done = null;
        await foreach (var update in client.WatchAsync(job.Id))
        {
            if (done is null)
            {
                // The first read answered; every read from here on meets the outage.
                recorder.UnavailablePath = $"/api/v1/jobs/{job.Id}";
                recorder.UnavailableUntil = DateTimeOffset.UtcNow.AddSeconds(8);
            }
            done = update;
        }

        Assert.Equal((JobStatus.Completed, 2), (done!.Status, done.Counts.Succeeded));
        Assert.True(recorder.Requests.Count(r => r.Path == $"/api/v1/jobs/{job.Id}" && r.Status == HttpStatusCode.ServiceUnavailable) > 4, "the reads were not refused past one call's retries");
    }

    [Fact]
    public async Task UnderTheAppHost_TheClientFindsTheApi_ByServiceDiscovery()
    {
        // Aspire gives each service the Api's endpoints as services__api__http__0; the client's
        // default address, http://api, resolves through them.
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["services:api:http:0"] = fixture.App.GetEndpoint("api").ToString() })
            .Build());
        services.AddLogging();
        services.AddServiceDiscovery();
        services.AddJobPlatformClient(o => o.ApiKey = fixture.App.GetSecret("dev-tenant")).AddServiceDiscovery();
        using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<JobPlatformClient>();

        Assert.Equal(JobPlatformGraph.DevTenantId, (await client.GetMyTenantAsync()).Id);
    }

    private (JobPlatformClient Client, RecordingHandler Recorder, ServiceProvider Services) Create(
        string key, Action<RecordingHandler>? recorder = null, Action<JobPlatformClientOptions>? configure = null, TimeProvider? clock = null)
    {
        var recording = new RecordingHandler();
        recorder?.Invoke(recording);
        var services = new ServiceCollection();
        if (clock is not null)
        {
            services.AddSingleton(clock);
        }
        services.AddJobPlatformClient(o =>
        {
            o.BaseAddress = fixture.App.GetEndpoint("api");
            o.ApiKey = key;
            o.RetryDelay = TimeSpan.FromMilliseconds(100);
            configure?.Invoke(o);
        }).AddHttpMessageHandler(() => recording);
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<JobPlatformClient>(), recording, provider);
    }
}
