using System.Text.Json.Nodes;

namespace JobPlatform.Worker.Handlers;

/// <summary>
/// Runs one kind of task. Register an implementation with <c>AddTaskHandler&lt;T&gt;()</c>; the worker
/// routes every claimed task of <see cref="Type"/> to it.
/// </summary>
public interface ITaskHandler
{
    /// <summary>The task type this handler runs, as submitted (for example <c>sleep</c>).</summary>
    string Type { get; }

    /// <summary>
    /// Runs one attempt and returns its result (any JSON, or null). Throw to fail the attempt; throw
    /// <see cref="NonRetryableTaskException"/> when another attempt cannot succeed.
    /// </summary>
    Task<JsonNode?> ExecuteAsync(TaskContext context, CancellationToken cancellationToken);
}

/// <summary>What a handler knows about the attempt it runs.</summary>
public sealed record TaskContext(Guid TaskId, Guid JobId, int Attempt, int MaxAttempts, JsonObject Parameters)
{
    public int GetInt32(string name, int defaultValue) => Parameters[name]?.GetValue<int>() ?? defaultValue;

    public double GetDouble(string name, double defaultValue) => Parameters[name]?.GetValue<double>() ?? defaultValue;
}

/// <summary>A failure no retry can fix, such as invalid input. The task fails at once.</summary>
public sealed class NonRetryableTaskException(string message) : Exception(message);
