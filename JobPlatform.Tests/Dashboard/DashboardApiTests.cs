using System.Net;
using System.Net.Http.Json;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Dashboard;

/// <summary>The dashboard's JSON API over the real graph: resources, restarts, console lines, traces of a job.</summary>
[Collection(GraphCollection.Name)]
public sealed class DashboardApiTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task Resources_ListEveryResource_WithItsReplicas_AndNoSecrets()
    {
        var resources = (await fixture.Dashboard.GetFromJsonAsync<List<ResourceEntry>>("/api/resources"))!;

        Assert.Equal(["postgres", "jobsdb", "sqs", "api", "dev-tenant", "worker", "prometheus", "web"], resources.Select(r => r.Name));
        Assert.Equal([fixture.App.GetEndpoint("prometheus").ToString().TrimEnd('/')], resources.Single(r => r.Name == "prometheus").Urls);
        Assert.All(resources, r => Assert.Equal("running", r.State));
        var api = resources.Single(r => r.Name == "api");
        Assert.Equal("project", api.Kind);
        Assert.Equal([fixture.App.GetEndpoint("api").ToString().TrimEnd('/')], api.Urls);
        var worker = resources.Single(r => r.Name == "worker");
        Assert.Equal(["worker-1", "worker-2"], worker.Replicas.Select(r => r.Name));
        Assert.All(worker.Replicas.Concat(api.Replicas), replica =>
        {
            Assert.NotNull(replica.StartedAt);
            Assert.True(replica.UptimeSeconds >= 0);
            Assert.StartsWith("http://localhost:", replica.Url);
        });
        var postgres = Assert.Single(resources.Single(r => r.Name == "postgres").Replicas);
        Assert.Equal(fixture.App.GetResource("postgres").Replicas[0].ProcessId, postgres.Pid);
        // Health is probed in the background: every running replica turns healthy.
        await Eventually.Until(
            () => fixture.Dashboard.GetFromJsonAsync<List<ResourceEntry>>("/api/resources"),
            found => found!.SelectMany(r => r.Replicas).All(r => r.Health == "healthy"),
            TimeSpan.FromSeconds(30), found => string.Join(", ", found?.SelectMany(r => r.Replicas).Select(r => $"{r.Name} {r.Health}") ?? []));
    }

    [Fact]
    public async Task RestartingAReplica_StopsItsProcess_AndTheSupervisorStartsANewOne()
    {
        var replica = fixture.App.GetResource("worker").Replicas.Single(r => r.Name == "worker-2");
        // An earlier test may have crashed it: wait until it runs.
        await Eventually.Until(() => Task.FromResult(replica.ProcessId), pid => pid is not null, TimeSpan.FromSeconds(60), _ => "worker-2 is not running");
        var (pid, restarts) = (replica.ProcessId, replica.Restarts);

        using var response = await fixture.Dashboard.PostAsync("/api/resources/worker-2/restart", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var after = await Eventually.Until(
            async () => (await fixture.Dashboard.GetFromJsonAsync<List<ResourceEntry>>("/api/resources"))!.Single(r => r.Name == "worker").Replicas.Single(r => r.Name == "worker-2"),
            r => r.Pid is not null && r.Pid != pid && r.Restarts > restarts,
            TimeSpan.FromSeconds(60), r => $"pid {r?.Pid}, restarts {r?.Restarts}");
        Assert.True(after.UptimeSeconds < 60);
        var console = (await fixture.Dashboard.GetFromJsonAsync<ConsoleAnswer>("/api/console/apphost?q=worker-2: restart requested"))!;
        Assert.NotEmpty(console.Lines);
    }

    [Theory]
    [InlineData("worker-99", HttpStatusCode.NotFound)]
    [InlineData("jobsdb", HttpStatusCode.NotFound)]
    public async Task RestartingWhatIsNotAReplica_IsAProblem(string name, HttpStatusCode status)
    {
        using var response = await fixture.Dashboard.PostAsync($"/api/resources/{name}/restart", null);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Console_ReturnsAResourcesNumberedLines_ThenOnlyNewerOnes_AndSearches()
    {
        var first = (await fixture.Dashboard.GetFromJsonAsync<ConsoleAnswer>("/api/console/worker"))!;

        Assert.NotEmpty(first.Lines);
        Assert.All(first.Lines, l => Assert.StartsWith("worker-", l.Replica));
        Assert.Equal(first.Lines.Select(l => l.Seq).Order(), first.Lines.Select(l => l.Seq));
        Assert.True(first.LastSeq >= first.Lines[^1].Seq);

        // New lines arrive (a job's work), and "after" returns only those.
        await fixture.Api.SubmitAsync(new { name = "dashboard-console", type = "noop", taskCount = 3 });
        var next = await Eventually.Until(
            () => fixture.Dashboard.GetFromJsonAsync<ConsoleAnswer>($"/api/console/api?after={first.LastSeq}"),
            answer => answer!.Lines.Count > 0, TimeSpan.FromSeconds(30), _ => "no new api line");
        Assert.All(next!.Lines, l => Assert.True(l.Seq > first.LastSeq));

        var found = (await fixture.Dashboard.GetFromJsonAsync<ConsoleAnswer>("/api/console/postgres?q=READY TO ACCEPT"))!;
        Assert.NotEmpty(found.Lines);
        Assert.All(found.Lines, l => Assert.Contains("ready to accept", l.Text, StringComparison.OrdinalIgnoreCase));

        using var unknown = await fixture.Dashboard.GetAsync("/api/console/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task AJobsTrace_AcrossTheApiTheRelayAndTwoWorkers_IsFoundByItsJobId_AsOneTree()
    {
        var job = await JobTrace.PostAsync(fixture);

        var traces = (await fixture.Dashboard.GetFromJsonAsync<List<TraceSummary>>($"/api/traces?jobId={job.JobId}"))!;

        var summary = Assert.Single(traces);
        Assert.Equal(job.TraceId, summary.TraceId);
        Assert.Equal("POST /api/v1/jobs", summary.RootName);
        Assert.Equal(["api", "worker"], summary.Services.Order());
        Assert.Equal(job.SpanCount, summary.SpanCount);
        Assert.True(summary.HasError);
        var trace = (await fixture.Dashboard.GetFromJsonAsync<TraceDetail>($"/api/traces/{job.TraceId}"))!;
        var root = Assert.Single(trace.Spans, s => s.ParentSpanId is null);
        var relay = Assert.Single(trace.Spans, s => s.ParentSpanId == root.SpanId);
        Assert.Equal("outbox relay", relay.Name);
        var tasks = trace.Spans.Where(s => s.ParentSpanId == relay.SpanId).ToList();
        Assert.Equal(["worker-1", "worker-2"], tasks.Select(s => s.Instance).Distinct().Order());
        Assert.All(tasks, t => Assert.Equal("consumer", t.Kind));
        Assert.Contains(trace.Spans, s => s.Status == "error");
        Assert.All(trace.Spans, s => Assert.Contains(new AttributeEntry("job.id", job.JobId), s.Attributes));
    }

    [Fact]
    public async Task UnknownTrace_AndBadFilters_AreProblems()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Dashboard.GetAsync($"/api/traces/{OtlpRequests.NewTraceId()}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.Dashboard.GetAsync("/api/logs?level=loud")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.Dashboard.GetAsync("/api/traces?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.Dashboard.GetAsync("/api/metrics/series")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Dashboard.GetAsync("/api/metrics/series?name=no.such.instrument")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Dashboard.GetAsync("/api/nothing")).StatusCode);
    }

    [Fact]
    public async Task Logs_AreFilteredByLevelAndTrace_NewestFirst()
    {
        var traceId = await JobTrace.PostLogsAsync(fixture);

        var logs = (await fixture.Dashboard.GetFromJsonAsync<List<LogEntry>>($"/api/logs?traceId={traceId}"))!;
        Assert.Equal(["task failed", "task started"], logs.Select(l => l.Message));
        var errors = (await fixture.Dashboard.GetFromJsonAsync<List<LogEntry>>($"/api/logs?traceId={traceId}&level=warning"))!;
        Assert.Equal("error", Assert.Single(errors).Level);
        var text = (await fixture.Dashboard.GetFromJsonAsync<List<LogEntry>>($"/api/logs?q=STARTED&service=worker&traceId={traceId}"))!;
        Assert.Equal("worker-1", Assert.Single(text).Instance);
    }
}
