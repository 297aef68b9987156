using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

/// <summary>What the console reads: live events, workers, timelines, failures, task types.</summary>
[Collection(GraphCollection.Name)]
public sealed class ConsoleApiTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task Events_StreamAJobsChanges_CoalescedIntoFewEvents_EndingWithItsFinalState()
    {
        var job = await fixture.Api.SubmitAsync(new { name = "events", type = "sleep", taskCount = 200, parameters = new { ms = 5 } });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var stream = await fixture.Api.GetStreamAsync($"/api/v1/events?jobId={job.Id}", timeout.Token);

        var jobEvents = new List<JobResponse>();
        var tasksEvents = 0;
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(timeout.Token))
        {
            if (item.EventType == "tasks")
            {
                Assert.Equal(job.Id, JsonSerializer.Deserialize<TasksChangedEvent>(item.Data, JobsClient.Json)!.JobId);
                tasksEvents++;
            }
            else if (item.EventType == "job")
            {
                var update = JsonSerializer.Deserialize<JobResponse>(item.Data, JobsClient.Json)!;
                Assert.Equal(job.Id, update.Id);
                jobEvents.Add(update);
                if (JobStatus.Final.Contains(update.Status))
                {
                    break;
                }
            }
        }

        Assert.Equal(JobStatus.Completed, jobEvents[^1].Status);
        Assert.Equal(200, jobEvents[^1].Counts.Succeeded);
        // 200 tasks make at least 400 status changes; coalescing sends a fraction of that.
        Assert.InRange(jobEvents.Count, 1, 100);
        Assert.True(tasksEvents >= 1);
        // Counts never go backwards within the stream.
        Assert.Equal(jobEvents.Select(e => e.Counts.Succeeded).Order(), jobEvents.Select(e => e.Counts.Succeeded));
    }

    [Fact]
    public async Task OpenEventStreams_DoNotHoldUpTheApisShutdown()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stream = await fixture.Api.GetStreamAsync("/api/v1/events", timeout.Token);
        var api = fixture.App.GetResource("api");

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await api.StopAsync();
        stopping.Stop();
        await api.StartAsync(timeout.Token);

        // Kestrel would wait up to its 30 s shutdown timeout for a stream that never ends, and the
        // AppHost kills a process after its 8 s grace; a stream that ends with the Api stops at once.
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"the Api took {stopping.Elapsed.TotalSeconds:N1} s to stop");
        // The stream ended rather than hanging: reading it to the end returns (or finds it cut off).
        try
        {
            await SseParser.Create(stream).EnumerateAsync(timeout.Token).CountAsync(timeout.Token);
        }
        catch (HttpIOException)
        {
        }
    }

    [Fact]
    public async Task EventStream_OpensAtOnce_WithAPing()
    {
        var job = await fixture.Api.SubmitAsync(new { type = "noop", taskCount = 1 });
        await fixture.Api.WaitForFinalAsync(job.Id);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));

        // A finished job sends nothing more; the stream still answers at once, well before its 15 s keep-alive.
        using var stream = await fixture.Api.GetStreamAsync($"/api/v1/events?jobId={job.Id}", timeout.Token);
        await using var events = SseParser.Create(stream).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);

        Assert.True(await events.MoveNextAsync());
        Assert.Equal("ping", events.Current.EventType);
    }

    [Fact]
    public async Task Events_ForAnUnknownJob_Is404()
    {
        using var response = await fixture.Api.GetAsync($"/api/v1/events?jobId={Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);

        using var malformed = await fixture.Api.GetAsync("/api/v1/events?jobId=not-a-job-id");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Workers_ListsEveryReplica_WithTheTasksItRuns()
    {
        var job = await fixture.Api.SubmitAsync(new { name = "workers-page", type = "sleep", taskCount = 4, parameters = new { ms = 3_000 } });

        var workers = await Eventually.Until(
            async () => (await fixture.Api.GetFromJsonAsync<List<WorkerResponse>>("/api/v1/workers", JobsClient.Json))!,
            list => list.Count(w => w.Status == WorkerStatus.Active) >= 2 && list.Sum(w => w.RunningTasks.Count(t => t.JobId == job.Id)) == 4,
            TimeSpan.FromSeconds(30),
            list => JsonSerializer.Serialize(list, JobsClient.Json));

        var running = workers.SelectMany(w => w.RunningTasks).Where(t => t.JobId == job.Id).ToList();
        Assert.All(running, t => Assert.Equal("workers-page", t.JobName));
        Assert.Equal([0, 1, 2, 3], running.Select(t => t.TaskIndex).Order());
        Assert.All(workers.Where(w => w.Status == WorkerStatus.Active), w => Assert.True(w.Slots > 0));

        await fixture.Api.WaitForFinalAsync(job.Id);
        var after = await Eventually.Until(
            async () => (await fixture.Api.GetFromJsonAsync<List<WorkerResponse>>("/api/v1/workers", JobsClient.Json))!,
            list => list.Sum(w => w.CompletedLastMinute) >= 4,
            TimeSpan.FromSeconds(10),
            list => JsonSerializer.Serialize(list, JobsClient.Json));
        Assert.True(after.Sum(w => w.TasksPerSecond) > 0);
    }

    [Fact]
    public async Task Timeline_ListsEveryAttempt_WithItsWorkerAndOutcome()
    {
        var job = await fixture.Api.SubmitAsync(new { name = "timeline", type = "fail", taskCount = 5, maxAttempts = 2, failureThreshold = 5,
            parameters = new { failOnAttempts = new[] { 1 } } });
        await fixture.Api.WaitForFinalAsync(job.Id);

        var timeline = (await fixture.Api.GetFromJsonAsync<TimelineResponse>($"/api/v1/jobs/{job.Id}/timeline", JobsClient.Json))!;
        Assert.Equal(10, timeline.TotalCount);
        Assert.False(timeline.Truncated);
        Assert.Equal(5, timeline.Items.Count(i => i.Outcome == "failed" && i.Attempt == 1));
        Assert.Equal(5, timeline.Items.Count(i => i.Outcome == "succeeded" && i.Attempt == 2));
        Assert.All(timeline.Items, i => Assert.False(string.IsNullOrEmpty(i.WorkerId)));
        Assert.All(timeline.Items, i => Assert.True(i.EndedAt >= i.StartedAt));
        Assert.Equal(timeline.Items.Select(i => i.StartedAt).Order(), timeline.Items.Select(i => i.StartedAt));

        var firstThree = (await fixture.Api.GetFromJsonAsync<TimelineResponse>($"/api/v1/jobs/{job.Id}/timeline?limit=3", JobsClient.Json))!;
        Assert.Equal(3, firstThree.Items.Count);
        Assert.True(firstThree.Truncated);

        using var tooMany = await fixture.Api.GetAsync($"/api/v1/jobs/{job.Id}/timeline?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }

    [Fact]
    public async Task Failures_ListFailedTasksAcrossJobs_WithTheirJobName()
    {
        var name = $"failures-{Guid.NewGuid():N}"[..20];
        var job = await fixture.Api.SubmitAsync(new { name, type = "fail", taskCount = 2, maxAttempts = 1, failureThreshold = 2 });
        await fixture.Api.WaitForFinalAsync(job.Id);

        var page = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>(
            "/api/v1/tasks?status=failed&status=dead_lettered&pageSize=500", JobsClient.Json))!;
        var ours = page.Items.Where(t => t.JobId == job.Id).ToList();
        Assert.Equal(2, ours.Count);
        Assert.All(ours, t => Assert.Equal(name, t.JobName));
        Assert.All(ours, t => Assert.Contains("failed on purpose", t.Error));
        Assert.All(page.Items, t => Assert.Contains(t.Status, new[] { JobTaskStatus.Failed, JobTaskStatus.DeadLettered }));

        using var noStatus = await fixture.Api.GetAsync("/api/v1/tasks");
        Assert.Equal(HttpStatusCode.BadRequest, noStatus.StatusCode);
        Assert.Contains("status", await noStatus.Content.ReadAsStringAsync());
        using var unknown = await fixture.Api.GetAsync("/api/v1/tasks?status=exploded");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task Jobs_FilterByName_IgnoresCase_AndTreatsWildcardsAsText()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        await fixture.Api.SubmitAsync(new { name = $"Nightly {tag} 100%", type = "noop", taskCount = 1 });
        await fixture.Api.SubmitAsync(new { name = $"nightly {tag} 1000", type = "noop", taskCount = 1 });

        async Task<List<string>> NamesAsync(string filter) =>
            (await fixture.Api.GetFromJsonAsync<PagedResponse<JobResponse>>($"/api/v1/jobs?name={Uri.EscapeDataString(filter)}", JobsClient.Json))!
                .Items.Select(j => j.Name).ToList();

        Assert.Equal(2, (await NamesAsync($"NIGHTLY {tag}")).Count);
        Assert.Equal([$"Nightly {tag} 100%"], await NamesAsync($"{tag} 100%"));
        Assert.Empty(await NamesAsync($"{tag} 1_0"));
    }

    [Fact]
    public async Task TaskTypes_DescribeEveryTypeAndItsInput()
    {
        using var document = JsonDocument.Parse(await fixture.Api.GetStringAsync("/api/v1/task-types"));
        var types = document.RootElement.EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        // The demo types and digest, all registered by the demo worker (other tests register more).
        string[] demo = [TaskTypes.Noop, TaskTypes.Echo, TaskTypes.Sleep, TaskTypes.Cpu, TaskTypes.Matrix, TaskTypes.Fail, TaskTypes.Crash, "digest"];
        Assert.Subset(types.Keys.ToHashSet(), demo.ToHashSet());
        Assert.All(demo, name => Assert.False(string.IsNullOrEmpty(types[name].GetProperty("description").GetString())));
        var ms = types["sleep"].GetProperty("inputSchema").GetProperty("properties").GetProperty("ms");
        Assert.Contains("integer", ms.GetProperty("type").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(100, ms.GetProperty("default").GetInt32());
        Assert.False(string.IsNullOrEmpty(ms.GetProperty("description").GetString()));
    }
}
