using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using JobPlatform.Worker.Sdk;

namespace JobPlatform.Worker.Handlers;

// A type that is in no catalogue the Api was compiled with: this worker registers it, with the schema
// of DigestInput, and the Api accepts and checks jobs of it from then on, as it would a team's own.

public sealed record DigestInput(
    [property: Description("The text to digest.")] string Text,
    [property: Description("How many times SHA-256 is applied, each round to the previous digest."), Range(1, 1_000)] int Rounds = 1);

/// <param name="Sha256">The last round's digest, in lower-case hex.</param>
/// <param name="Length">The text's length in UTF-8 bytes.</param>
public sealed record DigestResult(string Sha256, int Length, int Rounds);

/// <summary>Digests each task's own text with SHA-256.</summary>
public sealed class DigestHandler : ITaskHandler<DigestInput, DigestResult>
{
    public const string Type = "digest";

    public Task<DigestResult> HandleAsync(DigestInput input, TaskContext context, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(input.Text);
        var digest = SHA256.HashData(bytes);
        for (var round = 1; round < input.Rounds; round++)
        {
            digest = SHA256.HashData(digest);
        }
        return Task.FromResult(new DigestResult(Convert.ToHexStringLower(digest), bytes.Length, input.Rounds));
    }
}
