using System.Net.Http.Json;
using JobPlatform.AppHost;
using JobPlatform.AppHost.Hosting;
using JobPlatform.AppHost.Publishing;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Dashboard;

/// <summary>The services' own OpenTelemetry export reaches the dashboard: no code of theirs knows it exists.</summary>
[Collection(GraphCollection.Name)]
public sealed class ServiceTelemetryTests(JobPlatformFixture fixture)
{
    private static readonly TimeSpan ArrivalTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TracesLogsAndMetrics_ArriveFromTheApiAndFromAWorker()
    {
        // Work makes the worker call the Api (claims, reports): spans on both sides of each call.
        await fixture.Api.SubmitAsync(new { name = "dashboard-telemetry", type = "noop", taskCount = 5 });

        foreach (var service in new[] { "api", "worker" })
        {
            var traces = await Eventually.Until(
                () => fixture.Dashboard.GetFromJsonAsync<List<TraceSummary>>($"/api/traces?service={service}&limit=20"),
                found => found!.Count > 0, ArrivalTimeout, _ => $"no trace from {service}");
            var trace = (await fixture.Dashboard.GetFromJsonAsync<TraceDetail>($"/api/traces/{traces![0].TraceId}"))!;
            Assert.Contains(trace.Spans, s => s.Service == service && s.Instance is not null);

            await Eventually.Until(
                () => fixture.Dashboard.GetFromJsonAsync<List<LogEntry>>($"/api/logs?service={service}&limit=5"),
                found => found!.Count > 0, ArrivalTimeout, _ => $"no log record from {service}");
        }

        // A worker's call (a claim, a report) continues in the Api: the server span's parent is the
        // worker's. Each process exports on its own schedule, so wait until both sides are in.
        await Eventually.Until(async () =>
            {
                var shared = (await fixture.Dashboard.GetFromJsonAsync<List<TraceSummary>>("/api/traces?service=worker&limit=20"))!
                    .Where(t => t.Services.Contains("api")).Take(5);
                foreach (var summary in shared)
                {
                    var crossing = (await fixture.Dashboard.GetFromJsonAsync<TraceDetail>($"/api/traces/{summary.TraceId}"))!;
                    if (crossing.Spans.Any(server => server.Service == "api" && server.Kind == "server"
                        && crossing.Spans.Any(s => s.SpanId == server.ParentSpanId && s.Service == "worker" && s.Instance!.StartsWith("worker-", StringComparison.Ordinal))))
                    {
                        return true;
                    }
                }
                return false;
            },
            found => found, ArrivalTimeout, _ => "no trace has an Api server span whose parent is a worker's span");

        var instruments = await Eventually.Until(
            () => fixture.Dashboard.GetFromJsonAsync<List<Instrument>>("/api/metrics"),
            found => found!.Any(i => i.Name == "http.client.request.duration" && i.Services.Contains("worker")),
            ArrivalTimeout, found => $"instruments: {string.Join(", ", found?.Select(i => i.Name) ?? [])}");
        var series = (await fixture.Dashboard.GetFromJsonAsync<SeriesAnswer>("/api/metrics/series?name=http.client.request.duration"))!;
        Assert.Equal("histogram", series.Kind);
        Assert.Contains(series.Series, s => s.Service == "worker" && s.Points.Count > 0);
    }

    [Fact]
    public void EveryProjectReplica_IsPointedAtTheReceiver_WithItsKey()
    {
        foreach (var replica in new[] { "api", "worker" }.SelectMany(name => fixture.App.GetResource(name).Replicas))
        {
            var environment = File.ReadAllText($"/proc/{replica.ProcessId}/environ").Split('\0');

            Assert.Contains($"OTEL_EXPORTER_OTLP_ENDPOINT={fixture.App.OtlpEndpoint.ToString().TrimEnd('/')}", environment);
            Assert.Contains("OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf", environment);
            Assert.Contains($"OTEL_EXPORTER_OTLP_HEADERS=x-otlp-api-key={fixture.App.OtlpApiKey}", environment);
        }
    }

    [Fact]
    public void PublishedManifests_CarryNoExporterSettings()
    {
        var output = Path.Combine(Path.GetTempPath(), $"jobplatform-publish-{Guid.NewGuid():N}");
        try
        {
            KubernetesPublisher.Publish(JobPlatformGraph.Declare(new AppHostOptions()), output);

            var mentions = Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories)
                .Where(file => File.ReadAllText(file).Contains("OTEL_EXPORTER_OTLP", StringComparison.Ordinal))
                .ToList();
            Assert.Empty(mentions);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
