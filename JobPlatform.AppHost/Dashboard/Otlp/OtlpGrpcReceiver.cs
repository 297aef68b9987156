using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using JobPlatform.AppHost.Dashboard.Otlp.Collector;
using JobPlatform.AppHost.Dashboard.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace JobPlatform.AppHost.Dashboard.Otlp;

/// <summary>
/// OTLP/gRPC, what OpenTelemetry exporters send by default (<c>OTEL_EXPORTER_OTLP_PROTOCOL=grpc</c>),
/// on a port of its own as Aspire's dashboard has: the same key (in the <c>x-otlp-api-key</c>
/// metadata), the same 4 MiB limit and the same store as the OTLP/HTTP receiver.
/// </summary>
internal static class OtlpGrpcReceiver
{
    public static WebApplicationBuilder AddOtlpGrpcReceiver(this WebApplicationBuilder builder, TelemetryStore store, string apiKey)
    {
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = OtlpReceiver.MaxBodyBytes;
            grpc.EnableDetailedErrors = true;
        });
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(new OtlpKey(Encoding.UTF8.GetBytes(apiKey)));
        return builder;
    }

    public static IEndpointRouteBuilder MapOtlpGrpcReceiver(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<TraceReceiver>();
        app.MapGrpcService<LogsReceiver>();
        app.MapGrpcService<MetricsReceiver>();
        return app;
    }

    internal sealed record OtlpKey(byte[] Value)
    {
        public void Check(ServerCallContext context)
        {
            var sent = context.RequestHeaders.GetValue(OtlpReceiver.ApiKeyHeader) ?? "";
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Value))
            {
                throw new RpcException(new Status(StatusCode.Unauthenticated,
                    $"{(sent.Length == 0 ? "Missing" : "Wrong")} OTLP key: send the AppHost's key in the {OtlpReceiver.ApiKeyHeader} metadata (OTEL_EXPORTER_OTLP_HEADERS)."));
            }
        }
    }

    private sealed class TraceReceiver(TelemetryStore store, OtlpKey key) : TraceService.TraceServiceBase
    {
        public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        {
            key.Check(context);
            return Task.FromResult(OtlpReceiver.AcceptSpans(store, request));
        }
    }

    private sealed class LogsReceiver(TelemetryStore store, OtlpKey key) : LogsService.LogsServiceBase
    {
        public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context)
        {
            key.Check(context);
            store.AddLogs(OtlpTranslator.Logs(request));
            return Task.FromResult(new ExportLogsServiceResponse());
        }
    }

    private sealed class MetricsReceiver(TelemetryStore store, OtlpKey key) : MetricsService.MetricsServiceBase
    {
        public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
        {
            key.Check(context);
            store.AddMetrics(OtlpTranslator.Metrics(request));
            return Task.FromResult(new ExportMetricsServiceResponse());
        }
    }
}
