using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc;

namespace JobPlatform.Tests.Api;

/// <summary>
/// Task types the workers register: the demo worker registers <c>digest</c>, a type the Api was not
/// compiled with, and jobs of it are accepted, checked against its schema and run.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class TaskCatalogueTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task TheCatalogue_ListsRegisteredTypes_WithTheirSchemas_AndTheLiveReplicasThatRunThem()
    {
        var types = await ListAsync(fixture.Api);

        var digest = Assert.Single(types, t => t.Name == "digest");
        Assert.Contains("SHA-256", digest.Description);
        Assert.Equal("string", digest.InputSchema["properties"]!["text"]!["type"]!.GetValue<string>());
        Assert.True(digest.Served);
        var replicas = fixture.App.GetResource("worker").Replicas.Count;
        Assert.Equal(replicas, digest.Workers.Count);
        Assert.NotNull(digest.LastSeenAt);
        Assert.Equal(2, digest.MaxAttempts);

        // A demo type is registered the same way, by the same worker.
        var sleep = Assert.Single(types, t => t.Name == TaskTypes.Sleep);
        Assert.Equal(100, sleep.InputSchema["properties"]!["ms"]!["default"]!.GetValue<int>());
        Assert.Equal(replicas, sleep.Workers.Count);
    }

    [Fact]
    public async Task AJobOfARegisteredType_RunsEachTaskOnItsOwnInput_AndItsResultsComeBackInOrder()
    {
        var job = await fixture.Api.SubmitAsync(new
        {
            type = "digest",
            parameters = new { rounds = 1 },
            inputs = new object[] { new { text = "a" }, new { text = "bb" }, new { text = "ccc", rounds = 2 } },
        });
        Assert.Equal(("digest", 3), (job.Name, job.TaskCount));
        // The type's registration sets the attempts its tasks get when the job does not.
        Assert.Equal(2, job.MaxAttempts);
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);

        var text = await fixture.Api.GetStringAsync($"/api/v1/jobs/{job.Id}/results");
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<TaskResultLine>(l, JsonSerializerOptions.Web)!).ToList();
        Assert.Equal([0, 1, 2], lines.Select(l => l.Index));
        Assert.Equal([Sha256("a", 1), Sha256("bb", 1), Sha256("ccc", 2)], lines.Select(l => l.Result!["sha256"]!.GetValue<string>()));
        Assert.Equal([1, 2, 3], lines.Select(l => l.Result!["length"]!.GetValue<int>()));
    }

    [Fact]
    public async Task AnInputTheSchemaRefuses_Is400_NamingTheTasksIndexAndField_AndNothingIsStored()
    {
        var before = await fixture.QueryScalarAsync<long>("SELECT count(*) FROM jobs WHERE type = 'digest' AND name = 'bad-digest'");
        using var response = await fixture.Api.PostJobAsync(new
        {
            name = "bad-digest",
            type = "digest",
            inputs = new object[] { new { text = "fine" }, new { text = "x", rounds = 0 }, new { rounds = 2 }, new { text = "y", txt = "typo" } },
        });

        var errors = await ErrorsAsync(response);
        Assert.Equal(["inputs[1].rounds", "inputs[2]", "inputs[3].txt"], errors.Keys.Order());
        Assert.Contains("1", string.Join(" ", errors["inputs[1].rounds"]));
        Assert.Contains("text", string.Join(" ", errors["inputs[2]"]));
        Assert.Equal("'txt' is not a field of 'digest': GET /api/v1/task-types shows its input schema.", Assert.Single(errors["inputs[3].txt"]));
        Assert.Equal(before, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM jobs WHERE type = 'digest' AND name = 'bad-digest'"));

        // Without inputs the parameters are every task's input, checked the same way.
        using var noText = await fixture.Api.PostJobAsync(new { type = "digest", taskCount = 2, parameters = new { rounds = 5_000 } });
        Assert.Equal(["parameters", "parameters.rounds"], (await ErrorsAsync(noText)).Keys.Order());
    }

    [Theory]
    [InlineData("no-such-type")]
    [InlineData("Not A Type")]
    public async Task ATypeNoWorkerRegistered_Is400(string type)
    {
        using var response = await fixture.Api.PostJobAsync(new { type, taskCount = 1 });

        var errors = await ErrorsAsync(response);
        Assert.Contains("no worker has registered it", Assert.Single(errors["type"]));
    }

    [Fact]
    public async Task ARegistrationWithABadNameOrSchema_Is400_AndOnlyWorkersMayRegister()
    {
        using var bad = await fixture.WorkerApi.PostAsJsonAsync(WorkerRoutes.TaskTypesPath("test-worker"), new RegisterTaskTypesRequest(
        [
            new TaskTypeRegistration("Upper Case", null, new JsonObject { ["type"] = "object" }),
            new TaskTypeRegistration("broken-schema", null, new JsonObject { ["type"] = 42 }),
        ]), JobsClient.Json);
        var errors = await ErrorsAsync(bad);
        Assert.Equal(["types[0].name", "types[1].inputSchema"], errors.Keys.Order());
        Assert.DoesNotContain(await ListAsync(fixture.Api), t => t.Name == "broken-schema");

        using var tenant = await fixture.Api.PostAsJsonAsync(WorkerRoutes.TaskTypesPath("test-worker"), new RegisterTaskTypesRequest(
            [new TaskTypeRegistration("sneaky", null, new JsonObject { ["type"] = "object" })]), JobsClient.Json);
        Assert.Equal(HttpStatusCode.Forbidden, tenant.StatusCode);
    }

    /// <summary>The Api's JSON: enums by name.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    [Fact]
    public async Task ATypesRetryBackoff_IsRegistered_AndAJobTakesIt_FieldByField_UnderItsOwn()
    {
        var type = $"patient-{Guid.NewGuid():N}"[..16];
        using (var registered = await fixture.WorkerApi.PostAsJsonAsync(WorkerRoutes.TaskTypesPath("patient-worker"), new RegisterTaskTypesRequest(
            [new TaskTypeRegistration(type, "Waits between attempts.", new JsonObject { ["type"] = "object" }, RetryBackoff: new RetryBackoff(InitialDelaySeconds: 5, MaxDelaySeconds: 60))]),
            JobsClient.Json))
        {
            Assert.Equal(HttpStatusCode.NoContent, registered.StatusCode);
        }
        Assert.Equal(new RetryBackoff(5, null, 60), Assert.Single(await ListAsync(fixture.Api), t => t.Name == type).RetryBackoff);

        var plain = await fixture.Api.SubmitAsync(new { type, taskCount = 1 });
        Assert.Equal(new RetryBackoff(5, null, 60), plain.RetryBackoff);
        var own = await fixture.Api.SubmitAsync(new { type, taskCount = 1, retryBackoff = new { initialDelaySeconds = 1, factor = 4 } });
        Assert.Equal(new RetryBackoff(1, 4, 60), own.RetryBackoff);

        // A job's field that does not fit the type's others is named, with the type's backoff.
        using var clash = await fixture.Api.PostJobAsync(new { type, taskCount = 1, retryBackoff = new { maxDelaySeconds = 2 } });
        Assert.Contains("must be at least initialDelaySeconds (5)", Assert.Single((await ErrorsAsync(clash))["retryBackoff.maxDelaySeconds"]));
        using var bad = await fixture.Api.PostJobAsync(new { type = TaskTypes.Noop, taskCount = 1, retryBackoff = new { initialDelaySeconds = -1, factor = 50 } });
        var errors = await ErrorsAsync(bad);
        Assert.Contains("retryBackoff.initialDelaySeconds", errors.Keys);
        Assert.Contains("retryBackoff.factor", errors.Keys);
        using var badType = await fixture.WorkerApi.PostAsJsonAsync(WorkerRoutes.TaskTypesPath("patient-worker"), new RegisterTaskTypesRequest(
            [new TaskTypeRegistration(type, null, new JsonObject { ["type"] = "object" }, RetryBackoff: new RetryBackoff(Factor: 0))]), JobsClient.Json);
        Assert.Contains("types[0].retryBackoff.factor", (await ErrorsAsync(badType)).Keys);

        foreach (var job in new[] { plain.Id, own.Id })
        {
            using var cancelled = await fixture.Api.PostAsync($"/api/v1/jobs/{job}/cancel", null);
            Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        }
    }

    [Fact]
    public async Task ATaskOfATypeNoLiveWorkerRuns_WaitsInTheOutbox_SaidSo_AndGoesWhenAWorkerThatRunsItIsLive()
    {
        // A type of its own queue, as a team's pool would register it: the demo pools never receive it.
        var type = $"lonely-{Guid.NewGuid():N}"[..16];
        var queue = $"lonely_{Guid.NewGuid():N}"[..16];
        using (var registered = await fixture.WorkerApi.PostAsJsonAsync(WorkerRoutes.TaskTypesPath("lonely-worker"), new RegisterTaskTypesRequest(
            [new TaskTypeRegistration(type, "A type only this test's worker runs.", new JsonObject { ["type"] = "object" }, Queue: queue)]), JobsClient.Json))
        {
            Assert.Equal(HttpStatusCode.NoContent, registered.StatusCode);
        }

        using var submitted = await fixture.Api.PostJobAsync(new { type, taskCount = 2 });
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var job = (await submitted.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!;
        Assert.Equal(queue, job.Queue);
        Assert.Contains($"No live worker receives from queue '{queue}'", job.Notice);

        // The live workers run other types: a job of theirs submitted after it is sent and done, while its rows wait.
        var after = await fixture.Api.SubmitAsync(new { type = TaskTypes.Noop, taskCount = 3 });
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(after.Id)).Status);
        Assert.Equal(2, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE job_id = @job", ("job", job.Id)));
        Assert.Equal(0, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM tasks WHERE job_id = @job AND (status <> 'pending' OR attempts > 0)", ("job", job.Id)));
        Assert.NotNull((await fixture.Api.GetJobAsync(job.Id)).Notice);

        // A worker on the type's queue that runs it says it is live: the relay sends the tasks to that
        // queue's SQS queue (made on first use), and it runs them.
        await ReportPresenceAsync("lonely-worker", [type], [queue], stopping: false);
        try
        {
            await Eventually.Until(
                () => fixture.QueryScalarAsync<long>("SELECT count(*) FROM tasks WHERE job_id = @job AND status = 'enqueued'", ("job", job.Id)),
                enqueued => enqueued == 2, TimeSpan.FromSeconds(20), enqueued => $"{enqueued} of 2 tasks sent");
            Assert.Null((await fixture.Api.GetJobAsync(job.Id)).Notice);
            using var sqs = fixture.CreateSqsClient();
            var queueUrl = (await sqs.GetQueueUrlAsync($"jobplatform-tasks_{queue}")).QueueUrl;
            var messages = new List<Amazon.SQS.Model.Message>();
            await Eventually.Until(async () =>
            {
                messages.AddRange((await sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 })).Messages ?? []);
                return messages.Count;
            }, count => count == 2, TimeSpan.FromSeconds(20), count => $"{count} of 2 messages on the type's queue");
            foreach (var message in messages)
            {
                var sent = JsonSerializer.Deserialize<TaskMessage>(message.Body, JsonSerializerOptions.Web)!;
                Assert.Equal(type, sent.Type);
                var attempt = Guid.NewGuid();
                await fixture.WorkerApi.ClaimGrantedAsync(sent.TaskId, attempt, "lonely-worker");
                Assert.True((await fixture.WorkerApi.ReportAsync(new TaskReport(sent.TaskId, attempt, TaskReportOutcome.Succeeded), "lonely-worker")).Applied);
                await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle);
            }
            Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);
        }
        finally
        {
            await ReportPresenceAsync("lonely-worker", [type], [queue], stopping: true);
        }
    }

    private async Task ReportPresenceAsync(string workerId, IReadOnlyList<string> types, IReadOnlyList<string> queues, bool stopping)
    {
        using var response = await fixture.WorkerApi.PostAsJsonAsync($"/api/v1/workers/{workerId}/presence",
            new WorkerPresenceRequest("test-host", 1, Slots: 4, DateTimeOffset.UtcNow, 0, stopping, types, queues), JobsClient.Json);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private static async Task<IReadOnlyList<TaskTypeResponse>> ListAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<List<TaskTypeResponse>>("/api/v1/task-types", Json))!;

    private static async Task<IDictionary<string, string[]>> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>(JobsClient.Json))!.Errors;
    }

    private static string Sha256(string text, int rounds)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        for (var i = 1; i < rounds; i++)
        {
            digest = SHA256.HashData(digest);
        }
        return Convert.ToHexStringLower(digest);
    }
}
