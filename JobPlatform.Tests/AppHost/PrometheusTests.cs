using System.Globalization;
using System.Text.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.AppHost;

/// <summary>The graph's Prometheus (the AppHost's --prometheus): it finds every replica and its metrics move with the work.</summary>
[Collection(GraphCollection.Name)]
public sealed class PrometheusTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task Prometheus_ScrapesTheApiAndEveryWorkerReplica_AtTheirDiscoveredAddresses()
    {
        var replicas = fixture.App.GetResource("worker").Replicas.Select(r => r.Name).Append("api").Order().ToList();

        // A replica another test crashed may be restarting: wait until every target is up.
        var up = await Eventually.Until(() => QueryAsync("up"),
            series => replicas.All(name => series.Any(s => s.Instance == name && s.Value == 1)),
            TimeSpan.FromSeconds(60), series => $"up: {string.Join(", ", series!.Select(s => $"{s.Job}/{s.Instance}={s.Value}"))}");

        Assert.Equal(replicas, up.Select(s => s.Instance).Order().ToList());
        Assert.All(up, s => Assert.Equal(s.Instance == "api" ? "api" : "worker", s.Job));
    }

    [Fact]
    public async Task Prometheus_CountsTheTasksOfAJob_FromTheApiAndTheWorkers()
    {
        const string Succeeded = """sum(jobplatform_tasks_finished_total{job="api", status="succeeded"})""";
        const string Attempts = """sum(jobplatform_task_duration_seconds_count{job="worker", task_type="noop"})""";
        // A sum over no series is no result: nothing counted yet.
        var succeededBefore = (await QueryAsync(Succeeded)).Sum(s => s.Value);
        var attemptsBefore = (await QueryAsync(Attempts)).Sum(s => s.Value);

        var job = await fixture.Api.SubmitAsync(new { name = "prometheus", type = "noop", taskCount = 30 });
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);

        await Eventually.Until(async () => (await QueryAsync(Succeeded)).Sum(s => s.Value),
            value => value - succeededBefore >= 30, TimeSpan.FromSeconds(30), value => $"succeeded moved from {succeededBefore} to {value}");
        await Eventually.Until(async () => (await QueryAsync(Attempts)).Sum(s => s.Value),
            value => value - attemptsBefore >= 30, TimeSpan.FromSeconds(30), value => $"the workers' noop attempts moved from {attemptsBefore} to {value}");
    }

    private sealed record Series(string Job, string Instance, double Value);

    /// <summary>An instant query through Prometheus's HTTP API.</summary>
    private async Task<List<Series>> QueryAsync(string query)
    {
        using var http = fixture.App.CreateHttpClient("prometheus");
        using var document = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(query)}"));
        Assert.Equal("success", document.RootElement.GetProperty("status").GetString());
        return document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(result =>
        {
            var metric = result.GetProperty("metric");
            string Label(string name) => metric.TryGetProperty(name, out var value) ? value.GetString()! : "";
            return new Series(Label("job"), Label("instance"), double.Parse(result.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture));
        }).ToList();
    }
}
