namespace JobPlatform.Worker.Sdk;

/// <summary>How the worker treats one task type's failures. Given to <c>AddTaskHandler</c>'s configure callback.</summary>
public sealed class TaskHandlerOptions
{
    private readonly List<Type> _nonRetryable = [];

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
