using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using Microsoft.Playwright;

namespace JobPlatform.Tests.Web;

/// <summary>The console in a real browser (Debian's chromium) against the real graph.</summary>
[Collection(GraphCollection.Name)]
public sealed class JobsPageTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task JobsPage_ListsASubmittedJob_AndShowsItComplete_WithoutAReload()
    {
        await using var browser = await fixture.LaunchBrowserAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(fixture.App.GetEndpoint("web").ToString());

        var name = $"console-{Guid.NewGuid():N}"[..20];
        var job = await fixture.Api.SubmitAsync(new { name, type = "sleep", taskCount = 30, parameters = new { ms = 20 } });

        var row = page.Locator("tr", new PageLocatorOptions { HasText = name });
        await Assertions.Expect(row).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 30_000 });
        await Assertions.Expect(row).ToContainTextAsync("sleep");
        await Assertions.Expect(row).ToContainTextAsync(JobStatus.Completed, new LocatorAssertionsToContainTextOptions { Timeout = 60_000 });
        await Assertions.Expect(row).ToContainTextAsync("30 of 30");
        Assert.Equal(JobStatus.Completed, (await fixture.Api.GetJobAsync(job.Id)).Status);
    }
}
