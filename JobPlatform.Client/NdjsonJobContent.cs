using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using JobPlatform.Contracts;

namespace JobPlatform.Client;

/// <summary>
/// A job as NDJSON: the job on its first line, then the caller's inputs as they are, copied from
/// their stream while the Api reads. A seekable stream starts again where it was for a second try.
/// </summary>
internal sealed class NdjsonJobContent : HttpContent
{
    private readonly byte[] _job;
    private readonly Stream _inputs;
    private readonly long? _start;

    public NdjsonJobContent(SubmitJobRequest job, Stream inputs)
    {
        _job = [.. JsonSerializer.SerializeToUtf8Bytes(job, JobPlatformJson.Options), (byte)'\n'];
        _inputs = inputs;
        _start = inputs.CanSeek ? inputs.Position : null;
        Headers.ContentType = new MediaTypeHeaderValue(JobLimits.NdjsonContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken ct)
    {
        if (_start is { } start)
        {
            _inputs.Position = start;
        }
        await stream.WriteAsync(_job, ct);
        await _inputs.CopyToAsync(stream, ct);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _start is { } start ? _job.Length + _inputs.Length - start : 0;
        return _start is not null;
    }
}
