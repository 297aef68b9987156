using System.Security.Cryptography;
using System.Text.Json.Nodes;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace JobPlatform.Worker.Handlers;

/// <summary>Does nothing: measures the platform itself.</summary>
public sealed class NoopHandler : ITaskHandler
{
    public string Type => TaskTypes.Noop;

    public Task<JsonNode?> ExecuteAsync(TaskContext context, CancellationToken cancellationToken) => Task.FromResult<JsonNode?>(null);
}

/// <summary>Returns its parameters as the result.</summary>
public sealed class EchoHandler : ITaskHandler
{
    public string Type => TaskTypes.Echo;

    public Task<JsonNode?> ExecuteAsync(TaskContext context, CancellationToken cancellationToken) =>
        Task.FromResult<JsonNode?>(context.Parameters.DeepClone());
}

/// <summary>Waits <c>ms</c> milliseconds without using the CPU.</summary>
public sealed class SleepHandler : ITaskHandler
{
    public string Type => TaskTypes.Sleep;

    public async Task<JsonNode?> ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        var ms = context.GetInt32("ms", 100);
        await Task.Delay(ms, cancellationToken);
        return new JsonObject { ["sleptMs"] = ms };
    }
}

/// <summary>Runs <c>iterations</c> rounds of SHA-256 over a 64-byte buffer.</summary>
public sealed class CpuHandler : ITaskHandler
{
    private const int CancellationCheckInterval = 4_096;

    public string Type => TaskTypes.Cpu;

    public Task<JsonNode?> ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        var iterations = context.GetInt32("iterations", 10_000);
        Span<byte> buffer = stackalloc byte[SHA256.HashSizeInBytes * 2];
        context.TaskId.TryWriteBytes(buffer);
        for (var i = 0; i < iterations; i++)
        {
            SHA256.HashData(buffer, buffer[..SHA256.HashSizeInBytes]);
            if (i % CancellationCheckInterval == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        return Task.FromResult<JsonNode?>(new JsonObject
        {
            ["iterations"] = iterations,
            ["digest"] = Convert.ToHexStringLower(buffer[..SHA256.HashSizeInBytes]),
        });
    }
}

/// <summary>Multiplies two seeded random <c>size</c> x <c>size</c> matrices and reports the sum of the product.</summary>
public sealed class MatrixHandler : ITaskHandler
{
    public string Type => TaskTypes.Matrix;

    public Task<JsonNode?> ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        var n = context.GetInt32("size", 64);
        var random = new Random(context.GetInt32("seed", 42));
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
            cancellationToken.ThrowIfCancellationRequested();
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
        return Task.FromResult<JsonNode?>(new JsonObject { ["size"] = n, ["checksum"] = checksum });
    }
}

/// <summary>Fails on purpose: on the attempts listed in <c>failOnAttempts</c>, else with <c>probability</c>.</summary>
public sealed class FailHandler : ITaskHandler
{
    public string Type => TaskTypes.Fail;

    public Task<JsonNode?> ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        var fails = context.Parameters["failOnAttempts"] is JsonArray attempts
            ? attempts.Any(a => a?.GetValue<int>() == context.Attempt)
            : Random.Shared.NextDouble() < context.GetDouble("probability", 1.0);
        if (fails)
        {
            throw new InvalidOperationException($"Task failed on purpose (attempt {context.Attempt} of {context.MaxAttempts}).");
        }
        return Task.FromResult<JsonNode?>(new JsonObject { ["attempt"] = context.Attempt });
    }
}

/// <summary>
/// Kills its own worker process with SIGKILL: no drain, no report, exactly like a task that crashes
/// the runtime. The message comes back after its visibility timeout, each crash costs an attempt
/// (recorded as lost), and the task ends failed or dead-lettered. Refused unless
/// <see cref="WorkerOptions.AllowCrashTasks"/> is on, so a submitted job cannot take down production workers.
/// </summary>
public sealed class CrashHandler(IOptions<WorkerOptions> options, ILogger<CrashHandler> logger) : ITaskHandler
{
    public string Type => TaskTypes.Crash;

    public Task<JsonNode?> ExecuteAsync(TaskContext context, CancellationToken cancellationToken)
    {
        if (!options.Value.AllowCrashTasks)
        {
            throw new NonRetryableTaskException(
                $"Crash tasks are disabled on worker {options.Value.WorkerId}; set Worker:AllowCrashTasks=true to allow them.");
        }
        logger.LogCritical("Task {TaskId} attempt {Attempt} is a crash task: killing worker {WorkerId} (pid {ProcessId})",
            context.TaskId, context.Attempt, options.Value.WorkerId, Environment.ProcessId);
        // The logger writes from a background queue that the kill would cut off; this line must survive.
        Console.Error.WriteLine($"crit: Task {context.TaskId} attempt {context.Attempt} is a crash task: killing worker {options.Value.WorkerId} (pid {Environment.ProcessId})");
        Console.Error.Flush();
        System.Diagnostics.Process.GetCurrentProcess().Kill();
        return Task.FromResult<JsonNode?>(null);
    }
}
