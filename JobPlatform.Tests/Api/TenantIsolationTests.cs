using System.Net;
using System.Net.Http.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

/// <summary>
/// Broken object-level authorization, tried from outside: another tenant's job, its tasks, a task,
/// its commands, its events and its idempotency keys all behave as if they did not exist.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class TenantIsolationTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task AnotherTenantsJob_IsNotFoundEverywhere()
    {
        using var a = await fixture.CreateTenantAsync();
        using var b = await fixture.CreateTenantAsync();
        var job = await a.Api.SubmitAsync(new { name = "a-secret", type = "fail", taskCount = 2, maxAttempts = 1 });
        await a.Api.WaitForFinalAsync(job.Id);
        var task = (await a.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{job.Id}/tasks", JobsClient.Json))!.Items[0];

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, $"/api/v1/jobs/{job.Id}"),
            (HttpMethod.Get, $"/api/v1/jobs/{job.Id}/tasks"),
            (HttpMethod.Get, $"/api/v1/jobs/{job.Id}/timeline"),
            (HttpMethod.Post, $"/api/v1/jobs/{job.Id}/cancel"),
            (HttpMethod.Post, $"/api/v1/jobs/{job.Id}/retry"),
            (HttpMethod.Get, $"/api/v1/tasks/{task.Id}"),
            (HttpMethod.Post, $"/api/v1/tasks/{task.Id}/retry"),
            (HttpMethod.Get, $"/api/v1/events?jobId={job.Id}"),
        })
        {
            using var response = await b.Api.SendAsync(new HttpRequestMessage(method, path), HttpCompletionOption.ResponseHeadersRead);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} as another tenant: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        // B's commands changed nothing: A's failed job is still failed and retryable by A.
        Assert.Equal(JobStatus.Failed, (await a.Api.GetJobAsync(job.Id)).Status);
        Assert.Equal(HttpStatusCode.OK, (await a.Api.PostAsync($"/api/v1/jobs/{job.Id}/retry", null)).StatusCode);
    }

    [Fact]
    public async Task Lists_ShowOnlyTheCallersOwnJobsAndTasks()
    {
        using var a = await fixture.CreateTenantAsync();
        using var b = await fixture.CreateTenantAsync();
        var aJob = await a.Api.SubmitAsync(new { name = "mine-a", type = "fail", taskCount = 1, maxAttempts = 1 });
        var bJob = await b.Api.SubmitAsync(new { name = "mine-b", type = "fail", taskCount = 1, maxAttempts = 1 });
        await a.Api.WaitForFinalAsync(aJob.Id);
        await b.Api.WaitForFinalAsync(bJob.Id);

        var aJobs = (await a.Api.GetFromJsonAsync<PagedResponse<JobResponse>>("/api/v1/jobs?pageSize=200", JobsClient.Json))!;
        Assert.Equal([aJob.Id], aJobs.Items.Select(j => j.Id));
        Assert.Equal(1, aJobs.TotalCount);
        var bFailures = (await b.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>("/api/v1/tasks?status=failed&pageSize=200", JobsClient.Json))!;
        Assert.All(bFailures.Items, t => Assert.Equal(bJob.Id, t.JobId));
        Assert.Single(bFailures.Items);

        var aUsage = (await a.Api.GetFromJsonAsync<TenantUsageResponse>("/api/v1/tenants/me", JobsClient.Json))!;
        Assert.Equal(a.Id, aUsage.Id);
    }

    [Fact]
    public async Task TheSameIdempotencyKey_FromTwoTenants_MakesTwoJobs()
    {
        using var a = await fixture.CreateTenantAsync();
        using var b = await fixture.CreateTenantAsync();
        var key = $"shared-{Guid.NewGuid():N}";
        var body = new { type = "noop", taskCount = 1 };

        using var first = await a.Api.PostJobAsync(body, key);
        using var second = await b.Api.PostJobAsync(body, key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.False(second.Headers.Contains("Idempotent-Replayed"));
        var aJob = (await first.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!;
        var bJob = (await second.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!;
        Assert.NotEqual(aJob.Id, bJob.Id);

        // Within one tenant the key still replays.
        using var replay = await a.Api.PostJobAsync(body, key);
        Assert.Equal(aJob.Id, (await replay.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!.Id);
    }
}
