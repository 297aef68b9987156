using System.Net.Http.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Worker;

/// <summary>A handler's <c>TaskContext.ReportProgress</c>, through the worker's heartbeats, to the task the Api shows.</summary>
[Collection(GraphCollection.Name)]
public sealed class TaskProgressTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task WhatAHandlerSaysOfItsProgress_ShowsOnItsRunningTask()
    {
        // The sleep handler says how long it has slept, every second.
        var job = await fixture.Api.SubmitAsync(new { name = "progress", type = "sleep", taskCount = 1, parameters = new { ms = 6_000 } });
        var taskId = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{job.Id}/tasks", JobsClient.Json))!.Items[0].Id;

        var running = await Eventually.Until(
            async () => (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{taskId}", JobsClient.Json))!,
            task => task!.Progress?.Fraction > 0,
            TimeSpan.FromSeconds(30),
            task => $"task is {task?.Status} with progress {task?.Progress}");

        Assert.Equal(JobTaskStatus.Running, running.Status);
        Assert.InRange(running.Progress!.Fraction!.Value, 0.1, 0.9);
        Assert.Matches(@"^slept [\d,]+ of 6,000 ms$", running.Progress.Message);
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);
    }
}
