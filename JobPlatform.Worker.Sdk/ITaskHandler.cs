namespace JobPlatform.Worker.Sdk;

/// <summary>
/// Runs the tasks of one type. Register an implementation with
/// <c>builder.AddJobPlatformWorker().AddTaskHandler&lt;THandler&gt;("type")</c>. Handlers are resolved
/// from a dependency injection scope of their own for each attempt, so they may take scoped services
/// (a DbContext) and are disposed with the attempt.
/// </summary>
/// <typeparam name="TInput">
/// What a task runs on: its job's parameters overlaid with the task's own input, read with
/// <c>JsonSerializerOptions.Web</c> (camelCase, any case accepted). An input that cannot be read
/// fails the task for good. Take <c>JsonObject</c> to have the input as it came.
/// </typeparam>
/// <typeparam name="TResult">The task's result, written as JSON; null for none.</typeparam>
public interface ITaskHandler<in TInput, TResult>
{
    /// <summary>
    /// Runs one attempt. Throw to fail it: the task is retried while it has attempts left, unless the
    /// exception is <see cref="NonRetryableTaskException"/> or a type the handler's registration
    /// names (<see cref="TaskHandlerOptions.NonRetryable{TException}"/>). <paramref name="ct"/> fires
    /// when the attempt times out, loses its lease or the worker stops.
    /// </summary>
    Task<TResult> HandleAsync(TInput input, TaskContext context, CancellationToken ct);
}

/// <summary>A failure no retry can fix, such as invalid input. The task fails at once.</summary>
public sealed class NonRetryableTaskException : Exception
{
    public NonRetryableTaskException(string message)
        : base(message)
    {
    }

    public NonRetryableTaskException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
