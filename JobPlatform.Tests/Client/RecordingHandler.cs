using System.Net;

namespace JobPlatform.Tests.Client;

/// <summary>
/// The innermost handler of a test's client: it records every try the client sends (with its answer's
/// status and Retry-After), and can lose an answer or cut a stream short, as a faulty network would.
/// </summary>
public sealed class RecordingHandler : DelegatingHandler
{
    private readonly Lock _gate = new();
    private readonly List<Sent> _sent = [];

    /// <summary>Lose the answer of the first POST /api/v1/jobs: the Api stores the job, the client sees the connection fail.</summary>
    public bool LoseFirstSubmitAnswer { get; set; }

    /// <summary>Cut the body of the first answer to a path that starts with this after <see cref="CutAfterLines"/> lines (or <see cref="CutAfter"/>).</summary>
    public string? CutPath { get; set; }

    public int CutAfterLines { get; set; } = int.MaxValue;

    public TimeSpan? CutAfter { get; set; }

    /// <summary>Cut every answer to <see cref="CutPath"/>, not only the first.</summary>
    public bool CutEvery { get; set; }

    /// <summary>Answer calls to exactly this path with 503 until <see cref="UnavailableUntil"/>, as an Api that is down would (through a proxy).</summary>
    public string? UnavailablePath { get; set; }

    public DateTimeOffset UnavailableUntil { get; set; }

    public IReadOnlyList<Sent> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _sent];
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var response = request.RequestUri!.PathAndQuery == UnavailablePath && DateTimeOffset.UtcNow < UnavailableUntil
            ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request, Content = new StringContent("""{"title":"Down for the test.","status":503}""") }
            : await base.SendAsync(request, ct);
        var path = request.RequestUri!.PathAndQuery;
        var key = request.Headers.TryGetValues("Idempotency-Key", out var keys) ? keys.Single() : null;
        bool first;
        lock (_gate)
        {
            first = !_sent.Any(s => s.Method == request.Method && CutPath is not null && s.Path.StartsWith(CutPath, StringComparison.Ordinal));
            _sent.Add(new Sent(request.Method, path, response.StatusCode, key, response.Headers.RetryAfter?.Delta, DateTimeOffset.UtcNow));
        }
        if (LoseFirstSubmitAnswer && request.Method == HttpMethod.Post && path == "/api/v1/jobs" && Requests.Count(s => s.Path == "/api/v1/jobs") == 1)
        {
            response.Dispose();
            throw new HttpRequestException("The test lost this answer.");
        }
        if (CutPath is not null && path.StartsWith(CutPath, StringComparison.Ordinal) && (first || CutEvery) && response.IsSuccessStatusCode)
        {
            var inner = await response.Content.ReadAsStreamAsync(ct);
            var cut = new StreamContent(new CuttingStream(inner, CutAfterLines, CutAfter));
            foreach (var header in response.Content.Headers)
            {
                cut.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
            response.Content = cut;
        }
        return response;
    }

    public sealed record Sent(HttpMethod Method, string Path, HttpStatusCode Status, string? IdempotencyKey, TimeSpan? RetryAfter, DateTimeOffset At);

    /// <summary>Passes a body through until <paramref name="lines"/> lines have gone by or <paramref name="after"/> has passed, then fails as a dropped connection does.</summary>
    private sealed class CuttingStream(Stream inner, int lines, TimeSpan? after) : Stream
    {
        private readonly DateTimeOffset? _deadline = after is { } span ? DateTimeOffset.UtcNow + span : null;
        private int _lines;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (_lines >= lines || DateTimeOffset.UtcNow >= _deadline)
            {
                throw new IOException("The test cut this stream.");
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (_deadline is { } deadline)
            {
                timeout.CancelAfter(deadline - DateTimeOffset.UtcNow);
            }
            int read;
            try
            {
                read = await inner.ReadAsync(buffer, timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new IOException("The test cut this stream.");
            }
            // Deliver up to the end of the line that reaches the count, and no further.
            for (var i = 0; i < read; i++)
            {
                if (buffer.Span[i] == (byte)'\n' && ++_lines == lines)
                {
                    return i + 1;
                }
            }
            return read;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
