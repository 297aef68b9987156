using System.Text.Json.Nodes;

namespace JobPlatform.Contracts;

/// <summary>
/// A task type as GET /api/v1/task-types lists it: as a worker registered it, and the replicas that run it.
/// </summary>
/// <param name="InputSchema">The JSON Schema of a task's input, as the type's worker registered it.</param>
/// <param name="Workers">The live worker replicas that run the type.</param>
/// <param name="LastSeenAt">When a replica that runs the type last reported; null when none ever did.</param>
/// <param name="Served">Whether a live replica runs the type. A job of a type nobody runs waits for one.</param>
/// <param name="MaxAttempts">The attempts a task of the type gets when its job does not say.</param>
/// <param name="Queue">The queue a job of the type travels on when it names none.</param>
/// <param name="RetryBackoff">The backoff its worker registered; null for the Api's.</param>
public sealed record TaskTypeResponse(
    string Name,
    string Description,
    JsonObject InputSchema,
    IReadOnlyList<string> Workers,
    DateTimeOffset? LastSeenAt,
    bool Served,
    int MaxAttempts,
    string Queue = QueueNames.Default,
    RetryBackoff? RetryBackoff = null);

/// <summary>
/// The names of the demo task types that JobPlatform's own worker (JobPlatform.Worker) registers. The Api
/// knows them as it knows a team's: from that worker's registration, with their input schemas.
/// </summary>
public static class TaskTypes
{
    public const string Noop = "noop";
    public const string Echo = "echo";
    public const string Sleep = "sleep";
    public const string Cpu = "cpu";
    public const string Matrix = "matrix";
    public const string Fail = "fail";
    public const string Crash = "crash";
}
