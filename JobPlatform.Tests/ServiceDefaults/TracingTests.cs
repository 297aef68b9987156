using System.Net.Http.Json;
using System.Text.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.ServiceDefaults;

/// <summary>
/// A job's telemetry forms one connected picture across processes: the submission, the outbox
/// relay's send, the trace context in each SQS message, every worker's receive, claim, attempt and
/// report, and the SQL below them. Read from what the AppHost's OTLP receiver got.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class TracingTests(JobPlatformFixture fixture)
{
    private const int Tasks = 6;

    [Fact]
    public async Task AJobsTrace_FollowsItFromSubmission_ThroughTheQueue_ToEveryAttemptOfEveryTask()
    {
        // The caller starts the trace, as an instrumented client would: every span must join it. The
        // first attempt of each task fails and the second succeeds: a retry must stay in the trace.
        var (job, traceId, callerSpanId) = await fixture.Api.SubmitTracedAsync(TracedJobs.FailingOnce("traced", Tasks));
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);
        var taskIds = await TaskIdsAsync(job.Id);

        using var dashboard = CreateDashboardClient();
        // Exporters send in batches every few seconds: wait until both attempts of every task are in.
        var spans = await Eventually.Until(async () => await GetTraceAsync(dashboard, traceId),
            spans => spans.Count(s => s.Name.StartsWith("process ", StringComparison.Ordinal) && s.Attribute("task.outcome") == "succeeded") == Tasks
                && spans.Any(s => s.Route == "/api/v1/tasks/reports"),
            TimeSpan.FromSeconds(60), spans => $"{spans?.Count ?? 0} spans: {string.Join(", ", (spans ?? []).Select(s => $"{s.Service}:{s.Name}").Distinct())}");

        // Connected: every span's parent is another span of the trace, or the caller's.
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        Assert.All(spans, s => Assert.True(s.ParentSpanId == callerSpanId || (s.ParentSpanId is { } parent && ids.Contains(parent)),
            $"{s.Service}:{s.Name} has parent {s.ParentSpanId ?? "none"}, which is not in the trace"));

        var submission = Assert.Single(spans, s => s.Kind == "server" && s.Route == "/api/v1/jobs");
        Assert.Equal("api", submission.Service);
        Assert.Equal(callerSpanId, submission.ParentSpanId);
        Assert.Equal(job.Id.ToString(), submission.Attribute("job.id"));

        var sends = spans.Where(s => s.Name == "send jobplatform-tasks").ToList();
        Assert.NotEmpty(sends);
        Assert.All(sends, s =>
        {
            Assert.Equal(("api", "producer", "aws_sqs"), (s.Service, s.Kind, s.Attribute("messaging.system")));
            Assert.Equal(job.Id.ToString(), s.Attribute("job.id"));
        });
        Assert.Equal(Tasks, sends.Sum(s => int.Parse(s.Attribute("messaging.batch.message_count")!, System.Globalization.CultureInfo.InvariantCulture)));

        // Each attempt: a worker's process span, under the send that carried its message.
        var attempts = spans.Where(s => s.Name == "process jobplatform-tasks").ToList();
        Assert.Equal(Tasks * 2, attempts.Count);
        Assert.All(attempts, s =>
        {
            Assert.Equal(("worker", "consumer"), (s.Service, s.Kind));
            Assert.Contains(s.ParentSpanId!, sends.Select(send => send.SpanId));
            Assert.Equal(job.Id.ToString(), s.Attribute("job.id"));
            Assert.Equal(JobPlatform.AppHost.JobPlatformGraph.DevTenantId, s.Attribute("tenant.id"));
            Assert.StartsWith("worker-", s.Attribute("worker.id"));
            Assert.Equal(s.Instance, s.Attribute("worker.id"));
            Assert.NotNull(s.Attribute("messaging.message.id"));
        });
        Assert.Equal(taskIds.Select(id => id.ToString()).Order(), attempts.Select(s => s.Attribute("task.id")!).Distinct().Order());
        foreach (var task in attempts.GroupBy(s => s.Attribute("task.id")))
        {
            Assert.Equal(["1", "2"], task.Select(s => s.Attribute("task.attempt")!).Order());
            Assert.Equal("error", Assert.Single(task, s => s.Attribute("task.attempt") == "1").Status);
        }

        // Around them: the worker's receive with its claim, the Api's claim and report endpoints, and SQL.
        Assert.Contains(spans, s => s.Service == "worker" && s.Kind == "client" && s.Name == "receive jobplatform-tasks");
        Assert.Contains(spans, s => s.Service == "api" && s.Kind == "server" && s.Route == "/api/v1/tasks/claims");
        Assert.Contains(spans, s => s.Service == "api" && s.Kind == "server" && s.Route == "/api/v1/tasks/reports");
        Assert.Contains(spans, s => s.Service == "api" && (s.Attribute("db.system.name") is "postgresql" || s.Attribute("db.system") is "postgresql"));

        // The dashboard finds the trace by the job's id.
        var listed = await dashboard.GetFromJsonAsync<JsonElement>($"/api/traces?jobId={job.Id}");
        Assert.Contains(listed.EnumerateArray(), t => t.GetProperty("traceId").GetString() == traceId);
    }

    [Fact]
    public async Task ATasksLogLines_CarryItsId_AndItsTrace()
    {
        var (job, traceId, _) = await fixture.Api.SubmitTracedAsync(TracedJobs.FailingOnce("logged", 1));
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);
        var taskId = Assert.Single(await TaskIdsAsync(job.Id));

        using var dashboard = CreateDashboardClient();
        var records = await Eventually.Until(
            async () => await dashboard.GetFromJsonAsync<JsonElement>($"/api/logs?service=worker&q={taskId}"),
            logs => logs.GetArrayLength() > 0, TimeSpan.FromSeconds(60), _ => $"no worker log record mentions task {taskId}");

        var failure = records.EnumerateArray().First(r => r.GetProperty("message").GetString()!.Contains("failed", StringComparison.Ordinal));
        Assert.Equal(traceId, failure.GetProperty("traceId").GetString());
        // The message's own TaskId and the scope's: both name the task.
        var attributes = failure.GetProperty("attributes").EnumerateArray().Select(a => (Key: a.GetProperty("key").GetString()!, Value: a.GetProperty("value").ToString())).ToList();
        Assert.Contains(("TaskId", taskId.ToString()), attributes);
        Assert.Contains(("JobId", job.Id.ToString()), attributes);
        Assert.Contains(("Attempt", "1"), attributes);
    }

    private async Task<List<Guid>> TaskIdsAsync(Guid jobId)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT id FROM tasks WHERE job_id = @job", connection);
        command.Parameters.AddWithValue("job", jobId);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    private HttpClient CreateDashboardClient()
    {
        var client = new HttpClient { BaseAddress = fixture.App.DashboardUrl };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", fixture.App.DashboardToken);
        return client;
    }

    private sealed record Span(string SpanId, string? ParentSpanId, string Name, string Kind, string Service, string? Instance, string Status, Dictionary<string, string> Attributes)
    {
        public string? Attribute(string key) => Attributes.GetValueOrDefault(key);

        /// <summary>The route of a server span (ASP.NET Core's http.route), with a leading slash.</summary>
        public string? Route => Attribute("http.route") is { } route ? "/" + route.Trim('/') : null;
    }

    private static async Task<List<Span>> GetTraceAsync(HttpClient dashboard, string traceId)
    {
        using var response = await dashboard.GetAsync($"/api/traces/{traceId}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return [];
        }
        response.EnsureSuccessStatusCode();
        var trace = await response.Content.ReadFromJsonAsync<JsonElement>();
        return trace.GetProperty("spans").EnumerateArray().Select(s => new Span(
            s.GetProperty("spanId").GetString()!,
            s.GetProperty("parentSpanId").GetString(),
            s.GetProperty("name").GetString()!,
            s.GetProperty("kind").ToString().ToLowerInvariant(),
            s.GetProperty("service").GetString()!,
            s.GetProperty("instance").GetString(),
            s.GetProperty("status").ToString().ToLowerInvariant(),
            s.GetProperty("attributes").EnumerateArray().GroupBy(a => a.GetProperty("key").GetString()!).ToDictionary(a => a.Key, a => a.First().GetProperty("value").ToString()))).ToList();
    }
}
