using System.Text.Json.Nodes;
using JobPlatform.Worker.Sdk;
using Microsoft.Extensions.Options;

namespace JobPlatform.Worker.Handlers;

/// <summary>Whether this replica runs <c>crash</c> tasks. Bound from <c>Worker</c>, beside <see cref="WorkerOptions"/>.</summary>
public sealed class CrashTaskOptions
{
    public const string SectionName = WorkerOptions.SectionName;

    /// <summary>
    /// Whether this replica runs <c>crash</c> tasks, which kill the process on purpose (for demos and
    /// crash tests). Defaults to false: the task then fails for good without harm.
    /// </summary>
    public bool AllowCrashTasks { get; set; }
}

/// <summary>
/// Kills its own worker process with SIGKILL: no drain, no report, exactly like a task that crashes
/// the runtime. The message comes back after its visibility timeout, each crash costs an attempt
/// (recorded as lost), and the task ends failed or dead-lettered. Refused unless
/// <see cref="CrashTaskOptions.AllowCrashTasks"/> is on, so a submitted job cannot take down production workers.
/// </summary>
public sealed class CrashHandler(IOptions<WorkerOptions> worker, IOptions<CrashTaskOptions> options) : ITaskHandler<EmptyInput, JsonNode?>
{
    public Task<JsonNode?> HandleAsync(EmptyInput input, TaskContext context, CancellationToken ct)
    {
        var workerId = worker.Value.WorkerId;
        if (!options.Value.AllowCrashTasks)
        {
            throw new NonRetryableTaskException(
                $"Crash tasks are disabled on worker {workerId}; set Worker:AllowCrashTasks=true to allow them.");
        }
        context.Logger.LogCritical("Task {TaskId} attempt {Attempt} is a crash task: killing worker {WorkerId} (pid {ProcessId})",
            context.TaskId, context.Attempt, workerId, Environment.ProcessId);
        // The logger writes from a background queue that the kill would cut off; this line must survive.
        Console.Error.WriteLine($"crit: Task {context.TaskId} attempt {context.Attempt} is a crash task: killing worker {workerId} (pid {Environment.ProcessId})");
        Console.Error.Flush();
        System.Diagnostics.Process.GetCurrentProcess().Kill();
        return Task.FromResult<JsonNode?>(null);
    }
}
