using System.Net;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

[Collection(GraphCollection.Name)]
public sealed class DatabaseOutageTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task WhilePostgresIsDown_TheApiAnswers503WithRetryAfter_AndTheJobCompletesAfterwards()
    {
        var submitted = await fixture.Api.SubmitAsync(new { name = "outage", type = "sleep", taskCount = 40, parameters = new { ms = 200 } });
        var postgres = fixture.App.GetResource("postgres");
        await postgres.StopAsync();
        try
        {
            foreach (var call in new Func<Task<HttpResponseMessage>>[]
            {
                () => fixture.Api.GetAsync($"/api/v1/jobs/{submitted.Id}"),
                () => fixture.Api.GetAsync("/api/v1/jobs"),
                () => fixture.Api.PostJobAsync(new { type = "noop", taskCount = 1 }),
            })
            {
                using var response = await call();
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"expected 503, got {(int)response.StatusCode}: {text}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
                Assert.DoesNotContain("   at ", text);
            }
        }
        finally
        {
            await fixture.StartPostgresAsync();
        }

        var job = await fixture.Api.WaitForFinalAsync(submitted.Id, TimeSpan.FromSeconds(120));
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(40, job.Counts.Succeeded);
        await fixture.AssertJobInvariantsAsync(job.Id);
    }
}
