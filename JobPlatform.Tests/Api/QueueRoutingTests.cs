using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc;

namespace JobPlatform.Tests.Api;

/// <summary>
/// Named queues route each task to the pool that can run it. The graph runs two pools: the demo
/// workers on <c>default</c> (the built-in types and <c>digest</c>) and the sample word-count worker
/// (samples/WordCount, built on the SDK alone) on <c>text</c>, with types of its own.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class QueueRoutingTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task ATypesJobs_TravelOnItsQueue_AndOnlyThatQueuesPoolRunsThem_AndAReduceJobRunsOnTheFirstJobsResults()
    {
        var job = await fixture.Api.SubmitAsync(new
        {
            type = "word-count",
            inputs = new object[] { new { path = "harbour.txt" }, new { path = "orchard.txt" }, new { path = "workshop.txt", top = 3 } },
        });
        Assert.Equal("text", job.Queue);
        Assert.Null(job.Notice);
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);
        var noop = await fixture.Api.SubmitAsync(new { type = TaskTypes.Noop, taskCount = 6 });
        Assert.Equal(QueueNames.Default, noop.Queue);
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(noop.Id)).Status);

        // Every attempt of each job ran on its own pool's replicas.
        Assert.All(await AttemptWorkersAsync(job.Id), worker => Assert.StartsWith("wordcount-", worker));
        Assert.All(await AttemptWorkersAsync(noop.Id), worker => Assert.StartsWith("worker-", worker));

        // The results, in task order, are a real count of each file.
        var lines = await ResultLinesAsync(job.Id);
        Assert.Equal(["harbour.txt", "orchard.txt", "workshop.txt"], lines.Select(l => l["result"]!["path"]!.GetValue<string>()));
        Assert.Equal(3, lines[2]["result"]!["counts"]!.AsArray().Count);
        Assert.Equal("the", lines[0]["result"]!["counts"]![0]!["word"]!.GetValue<string>());
        Assert.Equal(64, lines[0]["result"]!["sha256"]!.GetValue<string>().Length);
        var words = lines.Sum(l => l["result"]!["words"]!.GetValue<long>());

        // The reduce step: a second job whose one input is the first job's results, as they stream.
        var reduce = await fixture.Api.SubmitAsync(new { type = "word-count-reduce", inputs = new[] { new JsonObject { ["results"] = new JsonArray([.. lines.Select(l => l.DeepClone())]), ["top"] = 2 } } });
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(reduce.Id)).Status);
        var total = Assert.Single(await ResultLinesAsync(reduce.Id))["result"]!;
        Assert.Equal(3, total["files"]!.GetValue<int>());
        Assert.Equal(words, total["words"]!.GetValue<long>());
        Assert.Equal(2, total["top"]!.AsArray().Count);
    }

    [Fact]
    public async Task AfterTheEmulatorRestartsEmpty_AQueuesSqsQueuesAreMadeAgain_AndItsPoolRunsItsJobs()
    {
        // Make sure the text queue exists and its URL is known to the relay and the pool's receivers.
        var before = await fixture.Api.SubmitAsync(new { type = "word-count", inputs = new object[] { new { path = "harbour.txt" } } });
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(before.Id)).Status);

        // The test graph's emulator keeps its queues in memory: a restart loses every queue but the
        // deployment's own, which the graph makes again. The relay, the reconciler and the pool
        // must make the text queue's again, not keep failing on their old URLs.
        var sqs = fixture.App.GetResource("sqs");
        await sqs.StopAsync();
        await sqs.StartAsync();

        var after = await fixture.Api.SubmitAsync(new { type = "word-count", inputs = new object[] { new { path = "orchard.txt" }, new { path = "workshop.txt" } } });
        var noop = await fixture.Api.SubmitAsync(new { type = TaskTypes.Noop, taskCount = 4 });
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(after.Id, TimeSpan.FromSeconds(90))).Status);
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(noop.Id, TimeSpan.FromSeconds(90))).Status);
        Assert.All(await AttemptWorkersAsync(after.Id), worker => Assert.StartsWith("wordcount-", worker));
        await fixture.AssertJobInvariantsAsync(after.Id);
    }

    [Fact]
    public async Task AJobNamingAQueueWhosePoolLacksItsType_Waits_SaidSo_AndThatPoolNeverReceivesIt()
    {
        // The word-count pool serves "text" but has no noop handler: the relay never sends it there.
        var job = await fixture.Api.SubmitAsync(new { type = TaskTypes.Noop, taskCount = 3, queue = "text" });
        Assert.Equal("text", job.Queue);
        Assert.Contains("does not run 'noop'", job.Notice);
        Assert.StartsWith("Worker wordcount-", job.Notice);

        // Meanwhile the pool runs its own work, so it is polling the queue.
        var own = await fixture.Api.SubmitAsync(new { type = "word-count", inputs = new[] { new { path = "orchard.txt" } } });
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(own.Id)).Status);
        Assert.Equal(3, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE job_id = @job", ("job", job.Id)));
        Assert.Equal(0, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM tasks WHERE job_id = @job AND (status <> 'pending' OR attempts > 0)", ("job", job.Id)));
        Assert.NotNull((await fixture.Api.GetJobAsync(job.Id)).Notice);

        // A queue no pool serves says so too.
        var nowhere = await fixture.Api.SubmitAsync(new { type = TaskTypes.Noop, taskCount = 1, queue = "nowhere" });
        Assert.Contains("No live worker receives from queue 'nowhere'", nowhere.Notice);

        foreach (var waiting in new[] { job.Id, nowhere.Id })
        {
            using var cancelled = await fixture.Api.PostAsync($"/api/v1/jobs/{waiting}/cancel", null);
            Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        }
        Assert.Equal(0, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE job_id = ANY(@jobs)", ("jobs", new[] { job.Id, nowhere.Id })));
    }

    [Fact]
    public async Task AQueuesSqsQueues_AreMadeOnFirstUse_WithTheDefaultQueuesDeadLetterQueue()
    {
        using var sqs = fixture.CreateSqsClient();
        var attributes = new List<string> { "RedrivePolicy", "VisibilityTimeout" };
        var template = (await sqs.GetQueueAttributesAsync((await sqs.GetQueueUrlAsync("jobplatform-tasks")).QueueUrl, attributes)).Attributes;
        // The word-count pool made its queues as it started, one per priority.
        foreach (var name in new[] { "jobplatform-tasks_text", "jobplatform-tasks_text-critical", "jobplatform-tasks_text-high", "jobplatform-tasks_text-low" })
        {
            var made = (await sqs.GetQueueAttributesAsync((await sqs.GetQueueUrlAsync(name)).QueueUrl, attributes)).Attributes;
            Assert.Equal(template["RedrivePolicy"], made["RedrivePolicy"]);
            Assert.Equal(template["VisibilityTimeout"], made["VisibilityTimeout"]);
        }
        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => sqs.GetQueueUrlAsync("jobplatform-tasks_never_used"));
    }

    [Theory]
    [InlineData("Text")]
    [InlineData("two-words")]
    [InlineData("_leading")]
    [InlineData("a-queue-name-that-is-longer-than-forty-characters")]
    public async Task AQueueThatIsNotAName_Is400(string queue)
    {
        using var response = await fixture.Api.PostJobAsync(new { type = TaskTypes.Noop, taskCount = 1, queue });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>(JobsClient.Json))!;
        Assert.Contains($"'{queue}' is not a queue", Assert.Single(problem.Errors["queue"]));
    }

    private async Task<List<string>> AttemptWorkersAsync(Guid jobId)
    {
        var workers = new List<string>();
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT a.worker_id FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job", connection);
        command.Parameters.AddWithValue("job", jobId);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            workers.Add(reader.GetString(0));
        }
        Assert.NotEmpty(workers);
        return workers;
    }

    private async Task<List<JsonObject>> ResultLinesAsync(Guid jobId)
    {
        var body = await fixture.Api.GetStringAsync($"/api/v1/jobs/{jobId}/results");
        return body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
    }
}
