using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

/// <summary>Per-task inputs in, per-task results out: <c>inputs</c> on POST /jobs and GET /jobs/{id}/results.</summary>
[Collection(GraphCollection.Name)]
public sealed class TaskInputsTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task EachTask_RunsOnTheJobsParameters_OverlaidWithItsOwnInput_AndResultsComeBackInTaskOrder()
    {
        var job = await fixture.Api.SubmitAsync(new
        {
            name = "inputs",
            type = "echo",
            parameters = new { shared = "all", n = -1 },
            inputs = new object[] { new { n = 0 }, new { n = 1, extra = "only-1" }, new { } },
        });
        Assert.Equal(3, job.TaskCount);
        await fixture.Api.WaitForFinalAsync(job.Id);

        var lines = await ReadResultsAsync(fixture.Api, job.Id);
        Assert.Equal([0, 1, 2], lines.Select(l => l.Index));
        Assert.All(lines, l => Assert.Equal(JobTaskStatus.Succeeded, l.Status));
        AssertJson("""{"shared":"all","n":0}""", lines[0].Result);
        AssertJson("""{"shared":"all","n":1,"extra":"only-1"}""", lines[1].Result);
        AssertJson("""{"shared":"all","n":-1}""", lines[2].Result);

        // A task shows its own input, as submitted.
        var task = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{lines[1].TaskId}", JobsClient.Json))!;
        Assert.Equal(1, task.Index);
        AssertJson("""{"n":1,"extra":"only-1"}""", task.Input);

        // Resuming after the second line gives the rest.
        var rest = await ReadResultsAsync(fixture.Api, job.Id, after: 1);
        Assert.Equal([2], rest.Select(l => l.Index));
    }

    [Fact]
    public async Task AnInput_ChangesWhatItsTaskDoes_AndOnlyItsTask()
    {
        var job = await fixture.Api.SubmitAsync(new { name = "sleep-inputs", type = "sleep", parameters = new { ms = 5 }, inputs = new object[] { new { ms = 30 }, new { } } });
        await fixture.Api.WaitForFinalAsync(job.Id);

        var lines = await ReadResultsAsync(fixture.Api, job.Id);
        Assert.Equal([30, 5], lines.Select(l => l.Result!["sleptMs"]!.GetValue<int>()));
    }

    [Fact]
    public async Task ABigJobsInputs_AreCopiedWithItsTasks()
    {
        // Past Submission.InlineTaskLimit the tasks go in by binary COPY.
        const int count = 1_500;
        var job = await fixture.Api.SubmitAsync(new { name = "many-inputs", type = "echo", inputs = Enumerable.Range(0, count).Select(i => new { i }).ToArray() });
        await fixture.Api.WaitForFinalAsync(job.Id, TimeSpan.FromSeconds(120));

        var lines = await ReadResultsAsync(fixture.Api, job.Id);
        Assert.Equal(Enumerable.Range(0, count), lines.Select(l => l.Index));
        Assert.Equal(Enumerable.Range(0, count), lines.Select(l => l.Result!["i"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Results_AreLines_AsTheTasksAreNow_AndAFailureCarriesItsError()
    {
        var job = await fixture.Api.SubmitAsync(new
        {
            name = "mixed-results",
            type = "fail",
            maxAttempts = 1,
            failureThreshold = 2,
            inputs = new object[] { new { probability = 0 }, new { probability = 1 } },
        });
        await fixture.Api.WaitForFinalAsync(job.Id);

        using var response = await fixture.Api.GetAsync($"/api/v1/jobs/{job.Id}/results");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = await ReadResultsAsync(fixture.Api, job.Id);
        Assert.Equal([JobTaskStatus.Succeeded, JobTaskStatus.Failed], lines.Select(l => l.Status));
        Assert.Null(lines[0].Error);
        Assert.Null(lines[1].Result);
        Assert.Contains("on purpose", lines[1].Error);
    }

    [Fact]
    public async Task Results_OfAnotherTenantsJob_OrAnUnknownOne_Are404_AndABadCursorIs400()
    {
        var job = await fixture.Api.SubmitAsync(new { name = "private-results", type = "echo", inputs = new object[] { new { secret = "mine" } } });
        using var other = await fixture.CreateTenantAsync();

        await AssertProblemAsync(other.Api, $"/api/v1/jobs/{job.Id}/results", HttpStatusCode.NotFound);
        await AssertProblemAsync(fixture.Api, $"/api/v1/jobs/{Guid.NewGuid()}/results", HttpStatusCode.NotFound);
        await AssertProblemAsync(fixture.Api, $"/api/v1/jobs/{job.Id}/results?after=-2", HttpStatusCode.BadRequest);
        using var task = await other.Api.GetAsync($"/api/v1/jobs/{job.Id}/tasks");
        Assert.Equal(HttpStatusCode.NotFound, task.StatusCode);
    }

    private static async Task<List<TaskResultLine>> ReadResultsAsync(HttpClient api, Guid jobId, int? after = null)
    {
        var text = await api.GetStringAsync($"/api/v1/jobs/{jobId}/results{(after is null ? "" : $"?after={after}")}");
        Assert.EndsWith("\n", text);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<TaskResultLine>(line, JsonSerializerOptions.Web)!)
            .ToList();
    }

    // PostgreSQL's jsonb keeps an object's fields in an order of its own.
    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString() ?? "null"}");

    private static async Task AssertProblemAsync(HttpClient api, string path, HttpStatusCode status)
    {
        using var response = await api.GetAsync(path);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
