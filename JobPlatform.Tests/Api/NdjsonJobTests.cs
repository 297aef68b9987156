using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc;

namespace JobPlatform.Tests.Api;

/// <summary>
/// A job sent as NDJSON (<c>application/x-ndjson</c>): the job on its first line, then one task input
/// per line, checked and copied to PostgreSQL as the lines arrive.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class NdjsonJobTests(JobPlatformFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task EachLineAfterTheJob_IsATasksInput_InOrder_WhateverTheLineEndings()
    {
        var body = "{\"type\":\"digest\",\"name\":\"ndjson-digest\",\"parameters\":{\"rounds\":1}}\r\n"
            + "{\"text\":\"a\"}\r\n\r\n{\"text\":\"bb\",\"rounds\":2}\n{\"text\":\"ccc\"}";
        using var response = await PostAsync(fixture.Api, body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var job = (await response.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!;
        Assert.Equal(("ndjson-digest", 3), (job.Name, job.TaskCount));
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);

        var lines = await ResultsAsync(job.Id);
        Assert.Equal([0, 1, 2], lines.Select(l => l.Index));
        Assert.Equal([1, 2, 1], lines.Select(l => l.Result!["rounds"]!.GetValue<int>()));
        Assert.Equal([1, 2, 3], lines.Select(l => l.Result!["length"]!.GetValue<int>()));
    }

    [Fact]
    public async Task ABigJob_StreamsItsInputs_IntoItsTasks()
    {
        const int count = 20_000;
        var body = new StringBuilder("{\"type\":\"echo\",\"name\":\"ndjson-big\"}\n");
        for (var i = 0; i < count; i++)
        {
            body.Append("{\"i\":").Append(i).Append("}\n");
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var response = await PostAsync(fixture.Api, body.ToString());
        output.WriteLine($"ndjson: {count:N0} inputs, {body.Length:N0} bytes, stored in {clock.ElapsedMilliseconds:N0} ms (Debug test graph)");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var job = (await response.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!;
        Assert.Equal(count, job.TaskCount);
        Assert.Equal(count, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM tasks WHERE job_id = @job AND input IS NOT NULL", ("job", job.Id)));
        // Every task has its message: waiting in the outbox, or sent (one snapshot for both). A task can be
        // both: a worker may claim it between the relay's send and the relay's commit.
        Assert.Equal(0, await fixture.QueryScalarAsync<long>(
            """
            SELECT count(*) FROM (
                SELECT id FROM tasks WHERE job_id = @job AND status = 'pending'
                EXCEPT SELECT task_id FROM outbox_messages WHERE job_id = @job) AS without_message
            """, ("job", job.Id)));
        Assert.Equal(12_345, await fixture.QueryScalarAsync<int>("SELECT (input->>'i')::int FROM tasks WHERE job_id = @job AND \"index\" = 12345", ("job", job.Id)));
        var finished = await fixture.Api.WaitForFinalAsync(job.Id, TimeSpan.FromMinutes(3));
        Assert.Equal((JobStatus.Completed, count), (finished.Status, finished.Counts.Succeeded));
    }

    [Fact]
    public async Task BadLines_AreNamedByTheirTasksIndex_AndNothingIsStored()
    {
        var name = $"ndjson-bad-{Guid.NewGuid():N}"[..20];
        var body = $"{{\"type\":\"digest\",\"name\":\"{name}\"}}\n{{\"text\":\"fine\"}}\nnot json\n[1,2]\n{{\"text\":\"x\",\"rounds\":0}}\n{{\"text\":\"also fine\"}}\n";
        using var response = await PostAsync(fixture.Api, body);

        var errors = await ErrorsAsync(response);
        Assert.Equal(["inputs[1]", "inputs[2]", "inputs[3].rounds"], errors.Keys.Order());
        Assert.Contains("Line 3 is not JSON", Assert.Single(errors["inputs[1]"]));
        Assert.Contains("must be a JSON object", Assert.Single(errors["inputs[2]"]));
        Assert.Equal(0, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM jobs WHERE name = @name", ("name", name)));
    }

    [Theory]
    [InlineData("{\"type\":\"echo\",\"taskCount\":3}\n{}\n", "taskCount")]
    [InlineData("{\"type\":\"echo\",\"inputs\":[{}]}\n{}\n", "inputs")]
    [InlineData("{\"type\":\"echo\"}\n", "inputs")]
    [InlineData("{\"type\":\"echo\",\"failureThreshold\":2}\n{}\n", "failureThreshold")]
    [InlineData("", "body")]
    [InlineData("{\"type\":\"echo\",\"colour\":\"red\"}\n{}\n", "colour")]
    public async Task AJobLineThatIsNotOne_Is400_NamingTheField(string body, string field)
    {
        using var response = await PostAsync(fixture.Api, body);

        Assert.Contains(field, (await ErrorsAsync(response)).Keys);
    }

    [Fact]
    public async Task AnInputLineOverItsLimit_Is413()
    {
        var body = "{\"type\":\"echo\"}\n{\"pad\":\"" + new string('x', JobLimits.MaxInputBytes) + "\"}\n";
        using var response = await PostAsync(fixture.Api, body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("Line 2", (await response.Content.ReadFromJsonAsync<ProblemDetails>(JobsClient.Json))!.Detail);
    }

    [Fact]
    public async Task TheSameBodyAndKey_ReplaysTheFirstJob_AndAnotherBodyWithTheKeyIs422()
    {
        var key = $"ndjson-{Guid.NewGuid():N}";
        const string body = "{\"type\":\"echo\",\"name\":\"ndjson-key\"}\n{\"n\":1}\n{\"n\":2}\n";
        using var first = await PostAsync(fixture.Api, body, key);
        using var again = await PostAsync(fixture.Api, body, key);
        using var other = await PostAsync(fixture.Api, body + "{\"n\":3}\n", key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        var job = (await first.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!;
        Assert.Equal(job.Id, (await again.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!.Id);
        Assert.Equal(2, job.TaskCount);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Equal(2, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM tasks WHERE job_id = @job", ("job", job.Id)));
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient api, string body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs")
        {
            Content = new StringContent(body, Encoding.UTF8, JobLimits.NdjsonContentType),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return await api.SendAsync(request);
    }

    private async Task<List<TaskResultLine>> ResultsAsync(Guid jobId) =>
        (await fixture.Api.GetStringAsync($"/api/v1/jobs/{jobId}/results")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<TaskResultLine>(line, JsonSerializerOptions.Web)!)
            .ToList();

    private static async Task<IDictionary<string, string[]>> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>(JobsClient.Json))!.Errors;
    }
}
