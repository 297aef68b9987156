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
        var job = await JobTrace.PostAsync(fixture);
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
        await page.GetByLabel("Search").FillAsync("listening");
        await Assertions.Expect(output.Locator(".line")).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "dashboard-console.png"), FullPage = true });

        // Traces: the job's trace, found by its id, as a waterfall across the Api and two workers.
        await page.GetByRole(AriaRole.Link, new() { Name = "Traces", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Traces" }).Locator("tbody tr").First).ToBeVisibleAsync();
        await page.GetByLabel("Job").FillAsync(job.JobId);
        var row = page.Locator($"tr[data-trace='{job.TraceId}']");
        await Assertions.Expect(row).ToContainTextAsync("POST /api/v1/jobs");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Traces" }).Locator("tbody tr")).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "dashboard-traces.png"), FullPage = true });
        await row.ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/traces/{job.TraceId}$"));
        var waterfall = page.GetByRole(AriaRole.Tree, new() { Name = "Waterfall" });
        var spans = waterfall.GetByRole(AriaRole.Treeitem);
        await Assertions.Expect(spans).ToHaveCountAsync(job.SpanCount);
        await Assertions.Expect(spans.Nth(0)).ToHaveAttributeAsync("aria-level", "1");
        await Assertions.Expect(spans.Nth(1)).ToHaveAttributeAsync("aria-level", "2");
        Assert.Equal(4, await waterfall.Locator("[role=treeitem][aria-level='3'][data-service='worker']").CountAsync());
        await Assertions.Expect(waterfall).ToContainTextAsync("worker-1");
        await Assertions.Expect(waterfall).ToContainTextAsync("worker-2");
        await Assertions.Expect(waterfall.Locator(".bar.error")).ToHaveCountAsync(1);
        await spans.Filter(new() { HasText = "outbox relay" }).ClickAsync();
        var details = page.GetByRole(AriaRole.Region, new() { Name = "Span details" });
        await Assertions.Expect(details).ToContainTextAsync("messaging.batch.message_count");
        await Assertions.Expect(details).ToContainTextAsync(job.JobId);
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
