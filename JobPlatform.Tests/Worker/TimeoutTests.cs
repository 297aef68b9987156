using System.Net;
using System.Net.Http.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Worker;

[Collection(GraphCollection.Name)]
public sealed class TimeoutTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task AttemptThatOutlivesItsTimeout_IsStopped_AndCountsAsFailed()
    {
        var submitted = await fixture.Api.SubmitAsync(new { type = "sleep", taskCount = 1, maxAttempts = 2, timeoutSeconds = 1, parameters = new { ms = 30_000 } });
        Assert.Equal(1, submitted.TimeoutSeconds);

        var job = await fixture.Api.WaitForFinalAsync(submitted.Id, TimeSpan.FromSeconds(30));

        Assert.Equal(JobStatus.Failed, job.Status);
        var taskId = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{job.Id}/tasks", JobsClient.Json))!.Items[0].Id;
        var task = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{taskId}", JobsClient.Json))!;
        Assert.Equal(["failed", "failed"], task.Attempts!.Select(a => a.Outcome));
        Assert.All(task.Attempts!, a => Assert.Contains("timed out after 1 s", a.Error));
        Assert.All(task.Attempts!, a => Assert.True(a.EndedAt - a.StartedAt < TimeSpan.FromSeconds(10)));
        await fixture.AssertJobInvariantsAsync(job.Id);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(43_201)]
    public async Task TimeoutOutOfRange_Is400(int seconds)
    {
        using var response = await fixture.Api.PostJobAsync(new { type = "noop", taskCount = 1, timeoutSeconds = seconds });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
