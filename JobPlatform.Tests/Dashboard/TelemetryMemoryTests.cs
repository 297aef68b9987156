using System.Net;
using System.Net.Http.Json;
using Google.Protobuf;
using JobPlatform.AppHost.Dashboard.Telemetry;
using JobPlatform.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobPlatform.Tests.Dashboard;

/// <summary>The dashboard's memory stays bounded however much the services send.</summary>
[Collection(GraphCollection.Name)]
public sealed class TelemetryMemoryTests(JobPlatformFixture fixture, ITestOutputHelper output)
{
    private const int SpansPosted = 100_000;
    private const int BatchSize = 1_000;

    /// <summary>
    /// What the store may take at its cap, for spans like these (seven short attributes): about
    /// 1.5 KB each, 50,000 of them, and the indexes.
    /// </summary>
    private const long MaxGrowthAtCapMegabytes = 150;

    /// <summary>Once full, the store only replaces spans: the second half of the flood may not add more than noise.</summary>
    private const long MaxGrowthPastCapMegabytes = 16;

    [Fact]
    public async Task HundredThousandSpans_LeaveTheStoreAtItsCap_CountTheDropped_AndKeepMemoryBounded()
    {
        using var otlp = fixture.CreateOtlpClient();
        var before = await StatsAsync();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);

        long atCap = 0;
        for (var batch = 0; batch < SpansPosted / BatchSize; batch++)
        {
            var jobId = Guid.NewGuid().ToString();
            var traceId = OtlpRequests.NewTraceId();
            var spans = Enumerable.Range(0, BatchSize).Select(i => OtlpRequests.NewSpan(
                // Ten spans a trace, a job a batch: the trace and job indexes grow and shrink too.
                traceId: i % 10 == 0 ? traceId = OtlpRequests.NewTraceId() : traceId,
                name: $"flood span {i}",
                jobId: jobId,
                attributes: [("http.request.method", "POST"), ("url.path", $"/api/v1/tasks/{i}/heartbeat"), ("http.response.status_code", "200"),
                    ("server.address", "localhost"), ("worker.id", $"worker-{i % 3}"), ("task.id", Guid.NewGuid().ToString())]));
            using var response = await OtlpRequests.PostAsync(otlp, "/v1/traces", OtlpRequests.Traces("flood", $"flood-{batch % 4}", spans).ToByteArray(), fixture.App.OtlpApiKey);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            if ((batch + 1) * BatchSize == TelemetryStore.DefaultMaxSpans)
            {
                atCap = GC.GetTotalMemory(forceFullCollection: true);
            }
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);

        var stats = await StatsAsync();
        Assert.Equal(TelemetryStore.DefaultMaxSpans, stats.Spans);
        Assert.Equal(TelemetryStore.DefaultMaxSpans, stats.SpanCapacity);
        // Everything that was there before, and every flood span beyond the cap, went (the services' own spans keep arriving too).
        Assert.True(stats.SpansDropped - before.SpansDropped >= SpansPosted - TelemetryStore.DefaultMaxSpans + before.Spans,
            $"dropped {stats.SpansDropped - before.SpansDropped}, expected at least {SpansPosted - TelemetryStore.DefaultMaxSpans + before.Spans}");
        var growthAtCap = (atCap - baseline) / (1024 * 1024);
        var growthPastCap = (after - atCap) / (1024 * 1024);
        output.WriteLine($"managed heap: +{growthAtCap} MB at {TelemetryStore.DefaultMaxSpans} spans, +{growthPastCap} MB over the next {SpansPosted - TelemetryStore.DefaultMaxSpans}; {stats.SpansDropped - before.SpansDropped} dropped");
        Assert.True(growthAtCap < MaxGrowthAtCapMegabytes, $"the managed heap grew by {growthAtCap} MB to hold {TelemetryStore.DefaultMaxSpans} spans");
        Assert.True(growthPastCap < MaxGrowthPastCapMegabytes, $"the managed heap grew by {growthPastCap} MB more while the store was full");

        // The newest job's trace is still whole, and found through the job index.
        var last = await fixture.Dashboard.GetFromJsonAsync<List<TraceSummary>>("/api/traces?service=flood&limit=1");
        var newestJob = Assert.Single(last!).JobId!;
        var traces = await fixture.Dashboard.GetFromJsonAsync<List<TraceSummary>>($"/api/traces?jobId={newestJob}&limit=1000");
        Assert.Equal(BatchSize / 10, traces!.Count);
        Assert.All(traces, t => Assert.Equal(10, t.SpanCount));
    }

    private async Task<StoreStats> StatsAsync() => (await fixture.Dashboard.GetFromJsonAsync<StoreStats>("/api/telemetry"))!;
}
