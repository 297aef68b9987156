using JobPlatform.Contracts;

namespace JobPlatform.Worker.Sdk;

/// <summary>What a handler knows about the attempt it runs.</summary>
/// <param name="taskId">The task's id, the same across its attempts.</param>
/// <param name="jobId">The id of the job the task belongs to.</param>
/// <param name="taskIndex">The task's place in its job, from 0.</param>
/// <param name="attempt">This attempt's number, from 1.</param>
/// <param name="maxAttempts">How many attempts the task has in all.</param>
/// <param name="tenantId">The tenant that submitted the job, when the Api says.</param>
/// <param name="logger">A logger named for the handler.</param>
/// <param name="progress">Where <see cref="ReportProgress"/> goes; the worker sends it with the attempt's heartbeats.</param>
public sealed class TaskContext(Guid taskId, Guid jobId, int taskIndex, int attempt, int maxAttempts, string? tenantId, ILogger logger,
    IProgress<TaskProgress>? progress = null)
{
    public Guid TaskId { get; } = taskId;

    public Guid JobId { get; } = jobId;

    /// <summary>The task's place in its job, from 0.</summary>
    public int TaskIndex { get; } = taskIndex;

    /// <summary>This attempt's number: 1 for the first.</summary>
    public int Attempt { get; } = attempt;

    public int MaxAttempts { get; } = maxAttempts;

    public string? TenantId { get; } = tenantId;

    /// <summary>
    /// A logger named for the handler. While the attempt runs, its records carry the scope
    /// <c>TaskId</c>, <c>JobId</c>, <c>TaskIndex</c> and <c>Attempt</c>.
    /// </summary>
    public ILogger Logger { get; } = logger;

    /// <summary>
    /// Says how far the attempt has got: a fraction from 0 to 1 (null when it cannot tell), a line of
    /// text, or both. The latest goes to the Api with the next heartbeat, and the console shows it on
    /// the running task. Cheap: call it as often as you like. A message longer than
    /// <see cref="TaskProgress.MaxMessageLength"/> characters is cut to that.
    /// </summary>
    public void ReportProgress(double? fraction, string? message = null)
    {
        if (fraction is { } value && !(value is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "Progress is a fraction from 0 to 1.");
        }
        progress?.Report(new TaskProgress(fraction, message is { Length: > TaskProgress.MaxMessageLength } ? message[..TaskProgress.MaxMessageLength] : message));
    }
}
