using System.Net.Http.Json;
using System.Text.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.ServiceDefaults;

/// <summary>
/// A job's telemetry forms one connected picture across processes: the submission, the outbox
/// relay's send, the trace context in each SQS message, every worker's receive, claim, attempt and
/// report, and the SQL below them. Read from Aspire's dashboard, through its telemetry API.
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

        using var dashboard = fixture.CreateDashboardClient();
        // Exporters send in batches every few seconds: wait until both attempts of every task are in,
        // with both sends of each task's message (a retry waits in PostgreSQL and is sent again).
        var spans = await Eventually.Until(async () => await GetTraceAsync(dashboard, traceId),
            spans => spans.Count(s => s.Name.StartsWith("process ", StringComparison.Ordinal) && s.Attribute("task.outcome") == "succeeded") == Tasks
                && spans.Any(s => s.Route == "/api/v1/tasks/reports")
                && spans.Where(s => s.Name == "send jobplatform-tasks").Sum(s => int.Parse(s.Attribute("messaging.batch.message_count")!, System.Globalization.CultureInfo.InvariantCulture)) == Tasks * 2,
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
        // Each task's message was sent twice: once at submission, once when its retry was due.
        Assert.Equal(Tasks * 2, sends.Sum(s => int.Parse(s.Attribute("messaging.batch.message_count")!, System.Globalization.CultureInfo.InvariantCulture)));

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

        // The dashboard lists the trace among the Api's.
        var listed = DashboardTelemetry.Spans(await dashboard.GetFromJsonAsync<JsonElement>("/api/telemetry/traces?resource=api"));
        Assert.Contains(listed, s => s.TraceId == traceId);
    }

    [Fact]
    public async Task ATasksLogLines_CarryItsId_AndItsTrace()
    {
        var (job, traceId, _) = await fixture.Api.SubmitTracedAsync(TracedJobs.FailingOnce("logged", 1));
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);
        var taskId = Assert.Single(await TaskIdsAsync(job.Id));

        using var dashboard = fixture.CreateDashboardClient();
        var records = await Eventually.Until(
            async () => DashboardTelemetry.LogRecords(await dashboard.GetFromJsonAsync<JsonElement>($"/api/telemetry/logs?traceId={traceId}"))
                .Where(r => r.Service == "worker" && r.Attributes.GetValueOrDefault("TaskId") == taskId.ToString()).ToList(),
            logs => logs.Any(r => r.Message.Contains("failed", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), _ => $"no worker log record mentions task {taskId}");

        var failure = records.First(r => r.Message.Contains("failed", StringComparison.Ordinal));
        Assert.Equal(traceId, failure.TraceId);
        // The message's own TaskId and the scope's: both name the task.
        var attributes = failure.Attributes.Select(a => (a.Key, a.Value)).ToList();
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

    private static async Task<List<DashboardTelemetry.Span>> GetTraceAsync(HttpClient dashboard, string traceId)
    {
        using var response = await dashboard.GetAsync($"/api/telemetry/traces/{traceId}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return [];
        }
        response.EnsureSuccessStatusCode();
        return DashboardTelemetry.Spans(await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
