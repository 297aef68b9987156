using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using Microsoft.Playwright;

namespace JobPlatform.Tests.AppHost;

/// <summary>Aspire's dashboard, in a real browser: what a developer opens from the AppHost's login URL.</summary>
[Collection(GraphCollection.Name)]
public sealed class DashboardTests(JobPlatformFixture fixture) : IAsyncLifetime
{
    private static readonly string Screenshots = Path.Combine(Api.OpenApiDocumentTests.RepositoryRoot(), "JobPlatform.Tests", "TestResults", "screenshots");

    private IBrowser? _browser;

    [Fact]
    public async Task AJobsTrace_ShowsInAspiresDashboard_AcrossTheApiAndTheWorkers()
    {
        var (job, traceId, _) = await fixture.Api.SubmitTracedAsync(TracedJobs.FailingOnce("dashboard", 3));
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);
        using var dashboard = fixture.CreateDashboardClient();
        await Eventually.Until(async () => (await dashboard.GetAsync($"/api/telemetry/traces/{traceId}")).StatusCode,
            status => status == System.Net.HttpStatusCode.OK, TimeSpan.FromSeconds(60), status => $"the dashboard answers {status} for trace {traceId}");

        _browser = await fixture.LaunchBrowserAsync();
        var page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1600, Height = 1000 } });
        await page.GotoAsync(fixture.App.DashboardLoginUrl!.ToString());
        await page.GotoAsync(new Uri(fixture.App.DashboardUrl!, $"/traces/detail/{traceId}").ToString());

        // The waterfall: the submission on the Api, the relay's send and each worker's receive (the
        // dashboard names messaging spans "MSG <system> <queue>"), claims and reports, with their SQL.
        var waterfall = page.Locator("body");
        await Assertions.Expect(waterfall).ToContainTextAsync("POST /api/v1/jobs", new() { Timeout = 30_000 });
        await Assertions.Expect(waterfall).ToContainTextAsync("MSG aws_sqs jobplatform-tasks");
        await Assertions.Expect(waterfall).ToContainTextAsync("claim tasks");
        await Assertions.Expect(waterfall).ToContainTextAsync("report tasks");
        // SQL spans read "postgresql → jobsdb" once the dashboard has matched the peer address to the
        // database resource, and "postgresql → localhost:port" before that; either way they are there.
        await Assertions.Expect(waterfall).ToContainTextAsync("postgresql");
        // The attempts ran on worker replicas, named as the dashboard names them (worker-abcdefgh).
        var replicas = string.Join('|', fixture.App.GetResource("worker").Replicas.Select(r => r.Name));
        await Assertions.Expect(waterfall).ToContainTextAsync(new System.Text.RegularExpressions.Regex(replicas));
        Directory.CreateDirectory(Screenshots);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "dashboard-trace.png") });
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
    }
}
