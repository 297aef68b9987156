using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using JobPlatform.Worker.Sdk;

namespace JobPlatform.Worker.Handlers;

// The demo task types (their names are JobPlatform.Contracts.TaskTypes), written and registered as a
// team writes its own handlers: the Api knows them only from this worker's registration, and checks
// a job's inputs against the schemas of these input records (their defaults, [Description] and [Range]).

/// <summary>The input of a type that takes none: any field is refused.</summary>
public sealed record EmptyInput;

/// <summary>Does nothing: measures the platform itself.</summary>
public sealed class NoopHandler : ITaskHandler<EmptyInput, JsonNode?>
{
    public Task<JsonNode?> HandleAsync(EmptyInput input, TaskContext context, CancellationToken ct) => Task.FromResult<JsonNode?>(null);
}

/// <summary>Returns its input as the result.</summary>
public sealed class EchoHandler : ITaskHandler<JsonObject, JsonObject>
{
    public Task<JsonObject> HandleAsync(JsonObject input, TaskContext context, CancellationToken ct) => Task.FromResult(input);
}

public sealed record SleepInput(
    [property: Description("How long to wait, in milliseconds."), Range(0, 3_600_000)] int Ms = 100);

public sealed record SleepResult(int SleptMs);

/// <summary>Waits <c>ms</c> milliseconds without using the CPU, saying its progress every second.</summary>
public sealed class SleepHandler : ITaskHandler<SleepInput, SleepResult>
{
    private const int ProgressEveryMs = 1_000;

    public async Task<SleepResult> HandleAsync(SleepInput input, TaskContext context, CancellationToken ct)
    {
        for (var slept = 0; slept < input.Ms; slept += ProgressEveryMs)
        {
            if (slept > 0)
            {
                context.ReportProgress((double)slept / input.Ms, $"slept {slept:N0} of {input.Ms:N0} ms");
            }
            await Task.Delay(Math.Min(ProgressEveryMs, input.Ms - slept), ct);
        }
        return new SleepResult(input.Ms);
    }
}

public sealed record CpuInput(
    [property: Description("How many SHA-256 rounds to run."), Range(1, 100_000_000)] int Iterations = 10_000);

public sealed record CpuResult(int Iterations, string Digest);

/// <summary>Runs <c>iterations</c> rounds of SHA-256 over a 64-byte buffer.</summary>
public sealed class CpuHandler : ITaskHandler<CpuInput, CpuResult>
{
    private const int CancellationCheckInterval = 4_096;

    public Task<CpuResult> HandleAsync(CpuInput input, TaskContext context, CancellationToken ct)
    {
        Span<byte> buffer = stackalloc byte[SHA256.HashSizeInBytes * 2];
        context.TaskId.TryWriteBytes(buffer);
        for (var i = 0; i < input.Iterations; i++)
        {
            SHA256.HashData(buffer, buffer[..SHA256.HashSizeInBytes]);
            if (i % CancellationCheckInterval == 0)
            {
                ct.ThrowIfCancellationRequested();
            }
        }
        return Task.FromResult(new CpuResult(input.Iterations, Convert.ToHexStringLower(buffer[..SHA256.HashSizeInBytes])));
    }
}

public sealed record MatrixInput(
    [property: Description("N, the side of each matrix."), Range(1, 1_000)] int Size = 64,
    [property: Description("Seed for the random values, so results repeat."), Range(0, int.MaxValue)] int Seed = 42);

public sealed record MatrixResult(int Size, double Checksum);

/// <summary>Multiplies two seeded random <c>size</c> x <c>size</c> matrices and reports the sum of the product.</summary>
public sealed class MatrixHandler : ITaskHandler<MatrixInput, MatrixResult>
{
    public Task<MatrixResult> HandleAsync(MatrixInput input, TaskContext context, CancellationToken ct)
    {
        var n = input.Size;
        var random = new Random(input.Seed);
        var a = new double[n * n];
        var b = new double[n * n];
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = random.NextDouble();
            b[i] = random.NextDouble();
        }

        double checksum = 0;
        for (var row = 0; row < n; row++)
        {
            ct.ThrowIfCancellationRequested();
            for (var col = 0; col < n; col++)
            {
                double sum = 0;
                for (var k = 0; k < n; k++)
                {
                    sum += a[row * n + k] * b[k * n + col];
                }
                checksum += sum;
            }
        }
        return Task.FromResult(new MatrixResult(n, checksum));
    }
}

public sealed record FailInput(
    [property: Description("Chance that an attempt fails, 0 to 1."), Range(0.0, 1.0)] double Probability = 1.0,
    [property: Description("When given, exactly these attempt numbers fail (1 is the first) and probability is ignored.")] int[]? FailOnAttempts = null);

public sealed record FailResult(int Attempt);

/// <summary>Fails on purpose: on the attempts listed in <c>failOnAttempts</c>, else with <c>probability</c>.</summary>
public sealed class FailHandler : ITaskHandler<FailInput, FailResult>
{
    public Task<FailResult> HandleAsync(FailInput input, TaskContext context, CancellationToken ct)
    {
        var fails = input.FailOnAttempts is { } attempts
            ? attempts.Contains(context.Attempt)
            : Random.Shared.NextDouble() < input.Probability;
        if (fails)
        {
            throw new InvalidOperationException($"Task failed on purpose (attempt {context.Attempt} of {context.MaxAttempts}).");
        }
        return Task.FromResult(new FailResult(context.Attempt));
    }
}
