using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;

namespace JobPlatform.Api.Apis;

/// <summary>
/// The lines of an NDJSON request body, read as they arrive: only the line being read is held, never
/// the body. Blank lines are skipped; a line may end in \n or \r\n, and the last one may end without.
/// The bytes read are hashed as they go, for the Idempotency-Key's fingerprint.
/// </summary>
internal sealed class NdjsonLines(PipeReader body) : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>The number of the line last read, from 1, blank lines included.</summary>
    public int LineNumber { get; private set; }

    /// <summary>The next non-blank line, or null at the end of the body.</summary>
    /// <exception cref="LineTooLongException">The line is longer than <paramref name="maxBytes"/>.</exception>
    public async ValueTask<string?> NextAsync(int maxBytes, CancellationToken ct)
    {
        while (true)
        {
            var result = await body.ReadAsync(ct);
            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } newline)
            {
                var line = buffer.Slice(0, newline);
                var next = buffer.GetPosition(1, newline);
                if (line.Length > maxBytes)
                {
                    body.AdvanceTo(next);
                    throw new LineTooLongException(LineNumber + 1, maxBytes);
                }
                var text = Take(buffer.Slice(0, next));
                body.AdvanceTo(next);
                if (text.Length > 0)
                {
                    return text;
                }
                continue;
            }
            if (buffer.Length > maxBytes)
            {
                body.AdvanceTo(buffer.End);
                throw new LineTooLongException(LineNumber + 1, maxBytes);
            }
            if (result.IsCompleted)
            {
                if (buffer.Length == 0)
                {
                    body.AdvanceTo(buffer.End);
                    return null;
                }
                var text = Take(buffer);
                body.AdvanceTo(buffer.End);
                // A blank last line ends the body too.
                return text.Length > 0 ? text : null;
            }
            body.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>The SHA-256 of every byte read so far, in hex.</summary>
    public string Fingerprint() => Convert.ToHexString(_hash.GetCurrentHash());

    private string Take(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
        {
            _hash.AppendData(segment.Span);
        }
        LineNumber++;
        return Encoding.UTF8.GetString(line).Trim();
    }

    public void Dispose() => _hash.Dispose();
}

/// <summary>An NDJSON line longer than its limit.</summary>
internal sealed class LineTooLongException(int lineNumber, int maxBytes)
    : Exception($"Line {lineNumber} is over the {maxBytes:N0}-byte limit of a line.")
{
    public int LineNumber { get; } = lineNumber;
}

/// <summary>Inputs of an NDJSON job that were refused, keyed by field: the whole job is refused.</summary>
internal sealed class InputsRefusedException(Dictionary<string, string[]> errors) : Exception("The job's inputs were refused.")
{
    public Dictionary<string, string[]> Errors { get; } = errors;
}
