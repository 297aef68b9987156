using System.Net.Http.Json;
using System.Text.RegularExpressions;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using Microsoft.Playwright;

namespace JobPlatform.Tests.Web;

/// <summary>
/// The console's pages in a real browser (Debian's chromium) against the real graph: what a user
/// does, start to end. Each test saves screenshots of the pages it visits under TestResults/screenshots.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed partial class ConsolePagesTests(JobPlatformFixture fixture) : IAsyncLifetime
{
    private IBrowser? _browser;

    private static readonly string Screenshots = Path.Combine(Api.OpenApiDocumentTests.RepositoryRoot(), "JobPlatform.Tests", "TestResults", "screenshots");

    [Fact]
    public async Task SubmittingTheForm_OpensTheJob_WhichCompletesWithoutAReload_AndShowsItsTimeline()
    {
        var page = await OpenAsync("/jobs/new");
        var name = $"form-{Guid.NewGuid():N}"[..16];

        await page.GetByLabel("Task type").SelectOptionAsync("sleep");
        await page.GetByLabel("ms", new() { Exact = true }).FillAsync("20");
        await page.GetByLabel("Task count").FillAsync("30");
        await page.GetByLabel("Name").FillAsync(name);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "new-job.png"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit job" }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(JobUrl(), new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = name })).ToBeVisibleAsync();
        try
        {
            await Assertions.Expect(page.GetByTestId("job-status")).ToHaveTextAsync(JobStatus.Completed, new() { Timeout = 60_000 });
        }
        catch (PlaywrightException ex)
        {
            // Whether the job is stuck or only the page is behind: the Api's own word, and what the graph printed.
            var job = await fixture.Api.GetJobAsync(Guid.Parse(page.Url[^36..]));
            throw new InvalidOperationException(
                $"{ex.Message}\nThe Api says job {job.Id} is {job.Status}: {System.Text.Json.JsonSerializer.Serialize(job.Counts)}\n{fixture.RecentLog(150)}", ex);
        }
        await Assertions.Expect(page.GetByTestId("timeline")).ToContainTextAsync("30 attempts", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { NameRegex = TimelineLabel() })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Task 0: show attempts" }).ClickAsync();
        await Assertions.Expect(page.Locator(".attempts-row")).ToContainTextAsync("Attempt 1 on worker-");
        await Assertions.Expect(page.Locator(".attempts-row")).ToContainTextAsync("succeeded");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "job-detail.png"), FullPage = true });

        // The job exists once: the form's idempotency key and the redirect leave no duplicate.
        var jobs = (await fixture.Api.GetFromJsonAsync<PagedResponse<JobResponse>>($"/api/v1/jobs?name={name}", JobsClient.Json))!;
        Assert.Equal(1, jobs.TotalCount);
        await fixture.AssertJobInvariantsAsync(jobs.Items[0].Id);

        await page.GetByRole(AriaRole.Link, new() { Name = "Jobs", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("tr", new() { HasText = name })).ToContainTextAsync("30 of 30");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "jobs.png"), FullPage = true });
    }

    [Fact]
    public async Task ARegisteredType_GetsFieldsFromItsSchema_AndTheApisCheckOfItShowsNextToTheField()
    {
        var page = await OpenAsync("/jobs/new");
        var name = $"digest-{Guid.NewGuid():N}"[..16];

        // digest is registered by the demo worker; its fields come from its input schema.
        await page.GetByLabel("Task type").SelectOptionAsync("digest");
        await page.GetByLabel("text", new() { Exact = true }).FillAsync("hello");
        await page.GetByLabel("rounds", new() { Exact = true }).FillAsync("5000");
        await page.GetByLabel("Task count").FillAsync("2");
        await page.GetByLabel("Name").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit job" }).ClickAsync();

        // The schema's maximum is the Api's to enforce; its message lands under the field.
        await Assertions.Expect(page.Locator("[id='parameters.rounds-error']")).ToContainTextAsync("1000");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "new-job-registered-type.png"), FullPage = true });

        await page.GetByLabel("rounds", new() { Exact = true }).FillAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit job" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(JobUrl(), new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("job-status")).ToHaveTextAsync(JobStatus.Completed, new() { Timeout = 60_000 });

        var job = await fixture.Api.GetJobAsync(Guid.Parse(page.Url[^36..]));
        // Max attempts left empty: digest's registration says 2.
        Assert.Equal(("digest", name, 2, 2), (job.Type, job.Name, job.TaskCount, job.MaxAttempts));
        Assert.Equal(2, job.Parameters["rounds"]!.GetValue<int>());
        Assert.Equal("hello", job.Parameters["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnInvalidField_ShowsTheApisErrorNextToIt()
    {
        var page = await OpenAsync("/jobs/new");

        await page.GetByLabel("Task count").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit job" }).ClickAsync();

        var error = page.Locator("#taskCount-error");
        await Assertions.Expect(error).ToContainTextAsync("taskCount must be from 1 to 100,000");
        await Assertions.Expect(page.GetByLabel("Task count")).ToHaveAttributeAsync("aria-describedby", new Regex("taskCount-error"));
        Assert.Contains("/jobs/new", page.Url);
    }

    [Fact]
    public async Task CancellingARunningJob_FromItsPage_AsksFirst_ThenStopsIt()
    {
        var job = await fixture.Api.SubmitAsync(new { name = "console-cancel", type = "sleep", taskCount = 40, parameters = new { ms = 30_000 } });
        var page = await OpenAsync($"/jobs/{job.Id}");
        await Assertions.Expect(page.GetByTestId("job-status")).ToHaveTextAsync(JobStatus.Running, new() { Timeout = 30_000 });

        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel job" }).ClickAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "cancel-confirmation.png") });
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, cancel job" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("job-status")).ToHaveTextAsync(JobStatus.Cancelled, new() { Timeout = 30_000 });
        Assert.Equal(JobStatus.Cancelled, (await fixture.Api.GetJobAsync(job.Id)).Status);
        await fixture.Api.WaitForJobAsync(job.Id, j => j.Counts.Running == 0);
    }

    [Fact]
    public async Task AFailedTask_IsRetriedFromTheFailuresPage_AndTheJobCompletes()
    {
        var name = $"console-retry-{Guid.NewGuid():N}"[..24];
        var job = await fixture.Api.SubmitAsync(new { name, type = "fail", taskCount = 1, maxAttempts = 1, parameters = new { failOnAttempts = new[] { 1 } } });
        Assert.Equal(JobStatus.Failed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);

        var page = await OpenAsync("/failures");
        var row = page.Locator("tr", new() { HasText = name });
        await Assertions.Expect(row).ToContainTextAsync("failed on purpose");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "failures.png"), FullPage = true });
        await row.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("queued again");
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);
        await fixture.AssertJobInvariantsAsync(job.Id);
    }

    [Fact]
    public async Task WorkersPage_ShowsEveryReplica()
    {
        var page = await OpenAsync("/workers");
        foreach (var replica in fixture.App.GetResource("worker").Replicas)
        {
            await Assertions.Expect(page.Locator("tr", new() { HasText = replica.Name })).ToContainTextAsync("active", new() { Timeout = 15_000 });
        }
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "workers.png"), FullPage = true });
    }

    [Fact]
    public async Task TheConsole_FollowsTheDarkColourScheme()
    {
        var page = await OpenAsync("/");
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });

        await Assertions.Expect(page.Locator("html")).ToHaveCSSAsync("background-color", "rgb(17, 21, 28)");
        await Assertions.Expect(page.Locator("html")).ToHaveCSSAsync("color", "rgb(228, 232, 238)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "jobs-dark.png"), FullPage = true });
    }

    private async Task<IPage> OpenAsync(string path)
    {
        Directory.CreateDirectory(Screenshots);
        _browser ??= await fixture.LaunchBrowserAsync();
        var page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        await page.GotoAsync(new Uri(fixture.App.GetEndpoint("web"), path).ToString());
        return page;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
    }

    private static Regex JobUrl() => new(@"/jobs/[0-9a-f-]{36}$");

    [GeneratedRegex("Timeline of task executions")]
    private static partial Regex TimelineLabel();
}
