using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Google.Protobuf;
using JobPlatform.AppHost.Dashboard.Otlp.Collector;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Dashboard;

/// <summary>
/// The AppHost's OTLP/HTTP receiver refuses what it cannot take with a problem saying why, and keeps
/// working: after each refusal a valid export is stored and shows up in the dashboard's API.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class OtlpReceiverTests(JobPlatformFixture fixture) : IDisposable
{
    private readonly HttpClient _otlp = fixture.CreateOtlpClient();

    [Fact]
    public async Task GarbageBody_Is400Problem_AndAValidExportStillWorks()
    {
        // 0x0F is field 1 with wire type 7, which does not exist: never a valid protobuf message.
        var garbage = new byte[] { 0x0F, 0xFF, 0xFF, 0x00, 0x42 }.Concat(Encoding.UTF8.GetBytes("not a protobuf")).ToArray();

        using var response = await OtlpRequests.PostAsync(_otlp, "/v1/traces", garbage, fixture.App.OtlpApiKey);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "ExportTraceServiceRequest");
        await AssertAValidExportIsStoredAsync();
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    public async Task WrongContentType_Is415Problem_SayingWhatIsAccepted(string contentType)
    {
        using var response = await OtlpRequests.PostAsync(_otlp, "/v1/logs", "{}"u8.ToArray(), fixture.App.OtlpApiKey, contentType);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "application/x-protobuf");
        await AssertAValidExportIsStoredAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task MissingOrWrongKey_Is401Problem(string? key)
    {
        var valid = OtlpRequests.Traces("intruder", null, [OtlpRequests.NewSpan()]).ToByteArray();

        using var response = await OtlpRequests.PostAsync(_otlp, "/v1/traces", valid, key);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, OtlpRequests.ApiKeyHeader);
        var intruder = await fixture.Dashboard.GetFromJsonAsync<List<TraceSummary>>("/api/traces?service=intruder");
        Assert.Empty(intruder!);
        await AssertAValidExportIsStoredAsync();
    }

    [Fact]
    public async Task BodyOver4MiB_Is413Problem()
    {
        var body = new byte[5 * 1024 * 1024];

        using var response = await OtlpRequests.PostAsync(_otlp, "/v1/traces", body, fixture.App.OtlpApiKey);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "4 MiB");
        await AssertAValidExportIsStoredAsync();
    }

    [Fact]
    public async Task GzipBody_IsDecompressed_AndABombOver4MiB_Is413()
    {
        var traceId = OtlpRequests.NewTraceId();
        using (var response = await PostGzipAsync(OtlpRequests.Traces("gzip-sender", null, [OtlpRequests.NewSpan(traceId)]).ToByteArray()))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await fixture.Dashboard.GetAsync($"/api/traces/{traceId}")).StatusCode);

        // 5 MiB of zeros compress to a few KiB: the limit counts what the body inflates to.
        using var bomb = await PostGzipAsync(new byte[5 * 1024 * 1024]);
        await AssertProblemAsync(bomb, HttpStatusCode.RequestEntityTooLarge, "4 MiB");
    }

    [Fact]
    public async Task SpansWithoutValidIds_AreRejected_AsAPartialSuccess_AndTheRestStored()
    {
        var good = OtlpRequests.NewSpan(name: "kept");
        var bad = OtlpRequests.NewSpan(name: "no span id");
        bad.SpanId = ByteString.Empty;

        using var response = await OtlpRequests.PostAsync(_otlp, "/v1/traces", OtlpRequests.Traces("partial", null, [good, bad]).ToByteArray(), fixture.App.OtlpApiKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, answer.PartialSuccess.RejectedSpans);
        var stored = await fixture.Dashboard.GetFromJsonAsync<List<TraceSummary>>("/api/traces?service=partial");
        Assert.Equal("kept", Assert.Single(stored!).RootName);
    }

    private async Task<HttpResponseMessage> PostGzipAsync(byte[] payload)
    {
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(payload);
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/traces") { Content = new ByteArrayContent(compressed.ToArray()) };
        request.Content.Headers.ContentType = new("application/x-protobuf");
        request.Content.Headers.ContentEncoding.Add("gzip");
        request.Headers.Add(OtlpRequests.ApiKeyHeader, fixture.App.OtlpApiKey);
        return await _otlp.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailMentions)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<Problem>();
        Assert.Equal((int)status, problem!.Status);
        Assert.Contains(detailMentions, problem.Detail);
    }

    /// <summary>A valid export is answered with an empty ExportTraceServiceResponse and its span can be read back.</summary>
    private async Task AssertAValidExportIsStoredAsync()
    {
        var traceId = OtlpRequests.NewTraceId();
        var request = OtlpRequests.Traces("receiver-check", "receiver-check-1", [OtlpRequests.NewSpan(traceId, name: "still works")]);

        using var response = await OtlpRequests.PostAsync(_otlp, "/v1/traces", request.ToByteArray(), fixture.App.OtlpApiKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var trace = await fixture.Dashboard.GetFromJsonAsync<TraceDetail>($"/api/traces/{traceId}");
        var span = Assert.Single(trace!.Spans);
        Assert.Equal(("still works", "receiver-check", "receiver-check-1"), (span.Name, span.Service, span.Instance));
    }

    public void Dispose() => _otlp.Dispose();
}

internal sealed record Problem(string? Title, int Status, string Detail);
