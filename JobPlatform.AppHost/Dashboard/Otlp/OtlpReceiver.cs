using System.IO.Compression;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using JobPlatform.AppHost.Dashboard.Otlp.Collector;
using JobPlatform.AppHost.Dashboard.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace JobPlatform.AppHost.Dashboard.Otlp;

/// <summary>
/// OTLP/HTTP in protobuf, as OpenTelemetry exporters send it with <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>:
/// <c>POST /v1/traces</c>, <c>/v1/logs</c> and <c>/v1/metrics</c>, each answered with an empty (or
/// partial-success) Export*ServiceResponse. Every refusal is a problem+json saying what to send instead.
/// </summary>
internal static class OtlpReceiver
{
    /// <summary>The header that carries the receiver's key, as Aspire's dashboard names it.</summary>
    public const string ApiKeyHeader = "x-otlp-api-key";

    public const string ProtobufContentType = "application/x-protobuf";

    /// <summary>The largest request body accepted, after decompression. Defaults to 4 MiB.</summary>
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>
    /// How much of a too-large body is read and thrown away so the sender, still writing, gets the 413
    /// rather than a broken connection; past this the connection is simply closed. Defaults to 16 MiB.
    /// </summary>
    public const int MaxDrainedBytes = 16 * 1024 * 1024;

    public static IEndpointRouteBuilder MapOtlpReceiver(this IEndpointRouteBuilder app, TelemetryStore store, string apiKey)
    {
        var key = Encoding.UTF8.GetBytes(apiKey);

        app.MapPost("/v1/traces", (HttpRequest request) => ExportAsync(request.HttpContext, key, ExportTraceServiceRequest.Parser, request => AcceptSpans(store, request)));
        app.MapPost("/v1/logs", (HttpRequest request) => ExportAsync(request.HttpContext, key, ExportLogsServiceRequest.Parser, request =>
        {
            store.AddLogs(OtlpTranslator.Logs(request));
            return new ExportLogsServiceResponse();
        }));
        app.MapPost("/v1/metrics", (HttpRequest request) => ExportAsync(request.HttpContext, key, ExportMetricsServiceRequest.Parser, request =>
        {
            store.AddMetrics(OtlpTranslator.Metrics(request));
            return new ExportMetricsServiceResponse();
        }));
        return app;
    }

    /// <summary>Stores a request's spans; those without valid ids are refused as a partial success.</summary>
    public static ExportTraceServiceResponse AcceptSpans(TelemetryStore store, ExportTraceServiceRequest request)
    {
        var (spans, rejected) = OtlpTranslator.Spans(request);
        store.AddSpans(spans);
        if (rejected == 0)
        {
            return new ExportTraceServiceResponse();
        }
        store.CountRejectedSpans(rejected);
        return new ExportTraceServiceResponse
        {
            PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = rejected, ErrorMessage = "A span needs a 16-byte trace_id and an 8-byte span_id." },
        };
    }

    private static async Task<IResult> ExportAsync<TRequest>(HttpContext http, byte[] key, MessageParser<TRequest> parser, Func<TRequest, IMessage> accept)
        where TRequest : IMessage<TRequest>
    {
        var sent = http.Request.Headers[ApiKeyHeader].ToString();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), key))
        {
            return TypedResults.Problem(
                title: sent.Length == 0 ? "Missing OTLP key" : "Wrong OTLP key",
                detail: $"Send the AppHost's key in the {ApiKeyHeader} header; it passes it to every resource as OTEL_EXPORTER_OTLP_HEADERS.",
                statusCode: StatusCodes.Status401Unauthorized);
        }
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var contentType)
            || !string.Equals(contentType.MediaType, ProtobufContentType, StringComparison.OrdinalIgnoreCase))
        {
            return Unsupported($"This receiver accepts OTLP/HTTP in protobuf only (Content-Type: {ProtobufContentType}, OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf); it got '{http.Request.ContentType}'.");
        }
        var encoding = http.Request.Headers.ContentEncoding.ToString();
        var gzip = string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip && encoding.Length > 0 && !string.Equals(encoding, "identity", StringComparison.OrdinalIgnoreCase))
        {
            return Unsupported($"This receiver accepts bodies that are plain or gzip-compressed; it got Content-Encoding '{encoding}'.");
        }
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return await TooLargeAsync(http);
        }

        byte[] body;
        var source = gzip ? new GZipStream(http.Request.Body, CompressionMode.Decompress, leaveOpen: true) : http.Request.Body;
        try
        {
            // The limit holds after decompression too: a small gzip body cannot inflate without bound.
            body = await ReadAtMostAsync(source, MaxBodyBytes, http.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }
        catch (BodyTooLargeException)
        {
            return await TooLargeAsync(http);
        }
        catch (InvalidDataException ex)
        {
            return Malformed($"The body is not valid gzip: {ex.Message}");
        }
        finally
        {
            if (gzip)
            {
                await source.DisposeAsync();
            }
        }

        TRequest request;
        try
        {
            request = parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException ex)
        {
            return Malformed($"The body is not a protobuf {typeof(TRequest).Name}: {ex.Message}");
        }
        return Results.Bytes(accept(request).ToByteArray(), ProtobufContentType);
    }

    private static async Task<byte[]> ReadAtMostAsync(Stream body, int limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81_920];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new BodyTooLargeException();
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static IResult Unsupported(string detail) =>
        TypedResults.Problem(title: "Unsupported OTLP request", detail: detail, statusCode: StatusCodes.Status415UnsupportedMediaType);

    private static async Task<IResult> TooLargeAsync(HttpContext http)
    {
        // Kestrel stops reading at MaxDrainedBytes (its limit for this server), so this ends.
        if (http.Request.ContentLength is null or <= MaxDrainedBytes)
        {
            try
            {
                var discard = new byte[81_920];
                while (await http.Request.Body.ReadAsync(discard, http.RequestAborted) > 0)
                {
                }
            }
            catch (BadHttpRequestException)
            {
                // Over Kestrel's limit too: the connection closes after the answer.
            }
        }
        return TooLarge();
    }

    private static IResult TooLarge() =>
        TypedResults.Problem(title: "OTLP request too large", detail: $"A request body may be at most {MaxBodyBytes / (1024 * 1024)} MiB; export in smaller batches.", statusCode: StatusCodes.Status413PayloadTooLarge);

    private static IResult Malformed(string detail) =>
        TypedResults.Problem(title: "Malformed OTLP request", detail: detail, statusCode: StatusCodes.Status400BadRequest);

    private sealed class BodyTooLargeException : Exception;
}
