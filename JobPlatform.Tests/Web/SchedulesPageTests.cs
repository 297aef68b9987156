using System.Net;
using System.Text.RegularExpressions;
using JobPlatform.Tests.Infrastructure;
using Microsoft.Playwright;

namespace JobPlatform.Tests.Web;

/// <summary>
/// The console's schedule pages in a real browser (Debian's chromium) against the real graph: a
/// schedule made with the form fires, its run links its job, and the job links back.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed partial class SchedulesPageTests(JobPlatformFixture fixture) : IAsyncLifetime
{
    private IBrowser? _browser;

    private static readonly string Screenshots = Path.Combine(Api.OpenApiDocumentTests.RepositoryRoot(), "JobPlatform.Tests", "TestResults", "screenshots");

    [Fact]
    public async Task ASchedule_MadeWithTheForm_Fires_AndItsRunLinksAJobFromTheSchedule()
    {
        var page = await OpenAsync("/schedules/new");
        var name = $"every-2s-{Guid.NewGuid():N}"[..20];

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Cron expression").FillAsync("*/2 * * * * *");
        await page.GetByLabel("Time zone").FillAsync("UTC");
        await Assertions.Expect(page.GetByRole(AriaRole.List, new() { Name = "Preview of the next fire times" }).GetByRole(AriaRole.Listitem))
            .ToHaveCountAsync(5);
        await page.GetByLabel("Task type").SelectOptionAsync("noop");
        await page.GetByLabel("Task count").FillAsync("1");
        await page.GetByLabel("Overlap").SelectOptionAsync("allow");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "new-schedule.png"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = "Create schedule" }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(ScheduleUrl(), new() { Timeout = 15_000 });
        var scheduleId = page.Url[^36..];
        try
        {
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = name })).ToBeVisibleAsync();
            // The Api fires it within two seconds; the page asks again every two.
            var jobLink = page.GetByTestId("schedule-runs").GetByRole(AriaRole.Link, new() { Name = "Job", Exact = true }).First;
            await Assertions.Expect(jobLink).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "schedule-detail.png"), FullPage = true });

            await jobLink.ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(JobUrl(), new() { Timeout = 15_000 });
            var fromSchedule = page.GetByRole(AriaRole.Link, new() { Name = "From schedule" });
            await Assertions.Expect(fromSchedule).ToHaveAttributeAsync("href", $"/schedules/{scheduleId}", new() { Timeout = 15_000 });
            await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "job-from-schedule.png"), FullPage = true });

            await fromSchedule.ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Delete schedule" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Yes, delete" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/schedules$"), new() { Timeout = 15_000 });
            Assert.Equal(HttpStatusCode.NotFound, (await fixture.Api.GetAsync($"/api/v1/schedules/{scheduleId}")).StatusCode);
        }
        finally
        {
            // Whatever failed above, the schedule must stop firing for the tests that follow.
            await fixture.Api.DeleteAsync($"/api/v1/schedules/{scheduleId}");
        }
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

    [GeneratedRegex("/schedules/[0-9a-f-]{36}$")]
    private static partial Regex ScheduleUrl();

    [GeneratedRegex("/jobs/[0-9a-f-]{36}$")]
    private static partial Regex JobUrl();
}
