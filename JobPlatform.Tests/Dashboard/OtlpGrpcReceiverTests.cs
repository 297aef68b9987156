using System.Diagnostics;
using System.Net;
using Grpc.Core;
using StatusCode = Grpc.Core.StatusCode;
using Grpc.Net.Client;
using JobPlatform.AppHost.Dashboard.Otlp.Collector;
using JobPlatform.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;
using OtlpSpanKind = JobPlatform.AppHost.Dashboard.Otlp.Trace.Span.Types.SpanKind;

namespace JobPlatform.Tests.Dashboard;

/// <summary>
/// The AppHost's OTLP/gRPC receiver, what OpenTelemetry's exporters speak by default: it takes
/// their exports, and refuses a call without the key or over the size limit with a gRPC status.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class OtlpGrpcReceiverTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task OpenTelemetrysOwnExporter_OverGrpc_IsReceived()
    {
        var sourceName = $"grpc-probe-{Guid.NewGuid():N}";
        using var source = new ActivitySource(sourceName);
        string traceId;
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(sourceName)
            .AddOtlpExporter(otlp =>
            {
                otlp.Protocol = OtlpExportProtocol.Grpc;
                otlp.Endpoint = fixture.App.OtlpGrpcEndpoint;
                otlp.Headers = $"x-otlp-api-key={fixture.App.OtlpApiKey}";
                otlp.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build())
        {
            using var activity = source.StartActivity("grpc probe")!;
            activity.SetTag("job.id", sourceName);
            traceId = activity.TraceId.ToHexString();
        }

        var stored = await Eventually.Until(() => fixture.Dashboard.GetAsync($"/api/traces/{traceId}"),
            response => response.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10), _ => $"trace {traceId} never arrived over gRPC");
        Assert.Contains("grpc probe", await stored.Content.ReadAsStringAsync());
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void TheKey_IsWrittenForServicesStartedByHand_ReadableByTheOwnerOnly()
    {
        var file = JobPlatform.AppHost.Hosting.SecretResource.FilePath(fixture.DataDirectory, "otlp-api-key");

        Assert.Equal(fixture.App.OtlpApiKey, File.ReadAllText(file).TrimEnd());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task ACallWithoutTheKey_IsUnauthenticated_AndOneWithIt_IsStored()
    {
        using var channel = GrpcChannel.ForAddress(fixture.App.OtlpGrpcEndpoint);
        var traces = new TraceService.TraceServiceClient(channel);
        var traceId = OtlpRequests.NewTraceId();
        var request = OtlpRequests.Traces("grpc-test", "grpc-test-1",
            [OtlpRequests.NewSpan(traceId, null, null, "keyed call", OtlpSpanKind.Internal, OtlpRequests.UnixNanoNow(), TimeSpan.FromMilliseconds(5), null)]);

        var refused = await Assert.ThrowsAsync<RpcException>(() => traces.ExportAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("x-otlp-api-key", refused.Status.Detail);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => traces.ExportAsync(request, new Metadata { { "x-otlp-api-key", "wrong" } }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Dashboard.GetAsync($"/api/traces/{traceId}")).StatusCode);

        await traces.ExportAsync(request, new Metadata { { "x-otlp-api-key", fixture.App.OtlpApiKey } });
        Assert.Equal(HttpStatusCode.OK, (await fixture.Dashboard.GetAsync($"/api/traces/{traceId}")).StatusCode);
    }

    [Fact]
    public async Task AMessageOver4MiB_IsRefused_AndTheReceiverKeepsWorking()
    {
        using var channel = GrpcChannel.ForAddress(fixture.App.OtlpGrpcEndpoint);
        var traces = new TraceService.TraceServiceClient(channel);
        var key = new Metadata { { "x-otlp-api-key", fixture.App.OtlpApiKey } };
        var huge = OtlpRequests.Traces("grpc-test", null,
            [OtlpRequests.NewSpan(OtlpRequests.NewTraceId(), null, null, new string('x', 5 * 1024 * 1024), OtlpSpanKind.Internal, OtlpRequests.UnixNanoNow(), TimeSpan.FromMilliseconds(1), null)]);

        var refused = await Assert.ThrowsAsync<RpcException>(() => traces.ExportAsync(huge, key).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);

        var traceId = OtlpRequests.NewTraceId();
        await traces.ExportAsync(OtlpRequests.Traces("grpc-test", null,
            [OtlpRequests.NewSpan(traceId, null, null, "after the refusal", OtlpSpanKind.Internal, OtlpRequests.UnixNanoNow(), TimeSpan.FromMilliseconds(1), null)]), key);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Dashboard.GetAsync($"/api/traces/{traceId}")).StatusCode);
    }
}
