using System.Net.Http.Json;
using System.Text.RegularExpressions;
using JobPlatform.Tests.Infrastructure;
using Microsoft.Playwright;

namespace JobPlatform.Tests.Dashboard;

/// <summary>
/// The dashboard's pages in a real browser (Debian's chromium) against the real graph, signed in the
/// way a developer does: with the login URL the AppHost prints. Screenshots go to
/// TestResults/screenshots/dashboard-*.png.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed partial class DashboardPagesTests(JobPlatformFixture fixture) : IAsyncLifetime
{
    private static readonly string Screenshots = Path.Combine(Api.OpenApiDocumentTests.RepositoryRoot(), "JobPlatform.Tests", "TestResults", "screenshots");

    private IBrowser? _browser;

    [Fact]
    public async Task SigningInWithTheLoginUrl_ShowsResources_ConsoleLines_AndAJobsWaterfallAcrossProcesses()
    {
        // A real job, traced from its submission: four tasks, each failing once and then succeeding.
        var traced = await fixture.Api.SubmitTracedAsync(TracedJobs.FailingOnce("dashboard-waterfall", 4));
        Assert.Equal(JobPlatform.Contracts.JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(traced.Job.Id)).Status);
        var trace = await Eventually.Until(
            async () => await fixture.Dashboard.GetFromJsonAsync<TraceDetail>($"/api/traces/{traced.TraceId}"),
            t => t!.Spans.Count(s => s.Name == "process jobplatform-tasks") == 8 && t.Spans.Any(s => s.Name.Contains("tasks/reports", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), t => $"{t?.Spans.Count ?? 0} spans so far");
        var page = await SignInAsync();

        // Resources: every resource, a row per replica.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/$"));
        var resources = page.GetByRole(AriaRole.Table, new() { Name = "Resources" });
        foreach (var name in new[] { "api", "worker-1", "worker-2", "postgres", "sqs", "web" })
        {
            await Assertions.Expect(resources).ToContainTextAsync(name);
        }
        await Assertions.Expect(resources.Locator("tr[data-replica='api'] .badge").Last).ToHaveTextAsync("healthy", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Restart worker-1" })).ToBeEnabledAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "dashboard-resources.png"), FullPage = true });

        // Console: the Api's output, then only the lines containing a search.
        await page.GetByRole(AriaRole.Link, new() { Name = "Console", Exact = true }).ClickAsync();
        await page.GetByLabel("Resource").SelectOptionAsync("api");
        var output = page.GetByRole(AriaRole.Log, new() { Name = "Console output" });
        await Assertions.Expect(output.Locator(".line").First).ToBeVisibleAsync();
        await Assertions.Expect(output).ToContainTextAsync("Now listening on");
        // The Api may have been restarted by earlier tests: one "listening" line per start.
        await page.GetByLabel("Search").FillAsync("listening");
        await Assertions.Expect(output.Locator(".line").Filter(new() { HasNotTextRegex = new Regex("listening", RegexOptions.IgnoreCase) })).ToHaveCountAsync(0);
        await Assertions.Expect(output.Locator(".line").First).ToContainTextAsync("Now listening on");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "dashboard-console.png"), FullPage = true });

        // Traces: the job's trace, found by its id, as a waterfall from the Api through the queue to the workers.
        await page.GetByRole(AriaRole.Link, new() { Name = "Traces", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Traces" }).Locator("tbody tr").First).ToBeVisibleAsync();
        await page.GetByLabel("Job").FillAsync(traced.Job.Id.ToString());
        var row = page.Locator($"tr[data-trace='{traced.TraceId}']");
        await Assertions.Expect(row).ToContainTextAsync("POST /api/v1/jobs");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Traces" }).Locator("tbody tr")).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "dashboard-traces.png"), FullPage = true });
        await row.ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/traces/{traced.TraceId}$"));
        var waterfall = page.GetByRole(AriaRole.Tree, new() { Name = "Waterfall" });
        var spans = waterfall.GetByRole(AriaRole.Treeitem);
        // Every span the API held a moment ago (more may have arrived since: exporters send in batches).
        await Assertions.Expect(spans.Nth(trace!.Spans.Count - 1)).ToBeAttachedAsync();
        // The submission is the root; the relay's send is its child; each attempt runs under the send.
        await Assertions.Expect(spans.Nth(0)).ToContainTextAsync("POST /api/v1/jobs");
        await Assertions.Expect(spans.Nth(0)).ToHaveAttributeAsync("aria-level", "1");
        await Assertions.Expect(waterfall.Locator("[role=treeitem][aria-level='2']", new() { HasText = "send jobplatform-tasks" }).First).ToBeVisibleAsync();
        await Assertions.Expect(waterfall.Locator("[role=treeitem][aria-level='3'][data-service='worker']", new() { HasText = "process jobplatform-tasks" })).ToHaveCountAsync(8);
        await Assertions.Expect(waterfall).ToContainTextAsync("worker-");
        // The four first attempts failed.
        Assert.True(await waterfall.Locator(".bar.error").CountAsync() >= 4, "the failed attempts are not marked as errors");
        await spans.Filter(new() { HasText = "process jobplatform-tasks" }).First.ClickAsync();
        var details = page.GetByRole(AriaRole.Region, new() { Name = "Span details" });
        await Assertions.Expect(details).ToContainTextAsync("task.attempt");
        await Assertions.Expect(details).ToContainTextAsync(traced.Job.Id.ToString());
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "dashboard-waterfall.png"), FullPage = true });
    }

    [Fact]
    public async Task StructuredLogs_AndMetrics_ShowTheServicesTelemetry()
    {
        var traceId = await JobTrace.PostLogsAsync(fixture);
        var page = await SignInAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Structured logs" }).ClickAsync();
        await page.GetByLabel("Trace", new() { Exact = true }).FillAsync(traceId);
        var logs = page.GetByRole(AriaRole.Table, new() { Name = "Structured logs" });
        await Assertions.Expect(logs.Locator("tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(logs).ToContainTextAsync("task failed");
        await page.GetByLabel("Trace", new() { Exact = true }).FillAsync("");
        await page.GetByLabel("Service").SelectOptionAsync("api");
        await Assertions.Expect(logs.Locator("tbody tr").First).ToContainTextAsync("api", new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "dashboard-logs.png"), FullPage = true });

        await page.GetByRole(AriaRole.Link, new() { Name = "Metrics" }).ClickAsync();
        var instrument = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "http.server.request.duration" });
        await instrument.ClickAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { NameRegex = LineChartLabel() })).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "dashboard-metrics.png"), FullPage = true });
    }

    [Fact]
    public async Task APageWithoutSigningIn_GoesToTheLoginPage_WhichTakesTheToken()
    {
        Directory.CreateDirectory(Screenshots);
        _browser ??= await fixture.LaunchBrowserAsync();
        var page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });

        await page.GotoAsync(new Uri(fixture.App.DashboardUrl, "/traces").ToString());
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/login$"));
        await page.GetByLabel("Token").FillAsync("a wrong token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not this run");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "dashboard-login.png") });

        await page.GetByLabel("Token").FillAsync(fixture.App.DashboardToken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Resources" })).ToBeVisibleAsync();
    }

    private async Task<IPage> SignInAsync()
    {
        Directory.CreateDirectory(Screenshots);
        _browser ??= await fixture.LaunchBrowserAsync();
        var page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 900 } });
        await page.GotoAsync(fixture.App.DashboardLoginUrl.ToString());
        return page;
    }

    [GeneratedRegex("^Line chart")]
    private static partial Regex LineChartLabel();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
    }
}
