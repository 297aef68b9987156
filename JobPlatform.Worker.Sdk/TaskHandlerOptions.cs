namespace JobPlatform.Worker.Sdk;

/// <summary>How the worker describes one task type and treats its failures. Given to <c>AddTaskHandler</c>'s configure callback.</summary>
public sealed class TaskHandlerOptions
{
    private readonly List<Type> _nonRetryable = [];

    /// <summary>What the type does, in a sentence: the console and GET /api/v1/task-types show it.</summary>
    public string? Description { get; set; }

    /// <summary>
    /// How many attempts a task of the type gets when its job does not say (a job's <c>maxAttempts</c>
    /// wins); null for the platform's default of 3.
    /// </summary>
    public int? MaxAttempts { get; set; }

    /// <summary>
    /// The wait after a task's first failed attempt, before jitter (0 to 1 h), unless its job says;
    /// null for the Api's (<c>TaskRetry:BaseDelay</c>, 1 s). Each wait after grows by
    /// <see cref="RetryDelayFactor"/>, up to <see cref="MaxRetryDelay"/>.
    /// </summary>
    public TimeSpan? RetryDelay { get; set; }

    /// <summary>How much each wait grows over the one before (1 to 10); null for the Api's (2).</summary>
    public double? RetryDelayFactor { get; set; }

    /// <summary>The longest wait between attempts (up to 24 h); null for the Api's (5 min).</summary>
    public TimeSpan? MaxRetryDelay { get; set; }

    /// <summary>The backoff as the Api takes it; null when none of it is set.</summary>
    internal Contracts.RetryBackoff? RetryBackoff =>
        new Contracts.RetryBackoff(RetryDelay?.TotalSeconds, RetryDelayFactor, MaxRetryDelay?.TotalSeconds) is { IsEmpty: false } backoff ? backoff : null;

    /// <summary>
    /// The queue a job of the type travels on when the job names none (see
    /// <see cref="Contracts.QueueNames"/>): lower-case letters, digits and '_'. Null for <c>default</c>.
    /// A worker receives from the queues of its types unless <see cref="WorkerOptions.Queues"/> says otherwise.
    /// </summary>
    public string? Queue { get; set; }

    /// <summary>
    /// An exception of <typeparamref name="TException"/> (or derived from it) thrown by the handler
    /// fails the task for good instead of retrying it, as a <see cref="NonRetryableTaskException"/>
    /// always does. By default every other exception is retried while attempts are left.
    /// </summary>
    public TaskHandlerOptions NonRetryable<TException>() where TException : Exception
    {
        if (!_nonRetryable.Contains(typeof(TException)))
        {
            _nonRetryable.Add(typeof(TException));
        }
        return this;
    }

    /// <summary>Whether <paramref name="exception"/> is of a type named by <see cref="NonRetryable{TException}"/>.</summary>
    internal bool IsNonRetryable(Exception exception) => _nonRetryable.Exists(type => type.IsInstanceOfType(exception));
}
