namespace JobPlatform.Worker.Sdk.Pipeline;

/// <summary>
/// How a failed attempt is reported: its error and whether another attempt may succeed. The one
/// place that decides it; a released attempt (the worker stopping) is not a failure and never gets here.
/// </summary>
internal static class AttemptFailure
{
    /// <param name="handler">The task type's handler options, or null when the worker has no handler for it.</param>
    /// <param name="timeout">The job's time limit for one attempt, if any.</param>
    /// <param name="timedOut">Whether the attempt's time limit ran out.</param>
    /// <param name="leaseLost">Whether the handler was stopped because the attempt no longer holds the task.</param>
    public static (string Error, bool Retryable) Describe(Exception exception, TaskHandlerOptions? handler, TimeSpan? timeout, bool timedOut, bool leaseLost) => exception switch
    {
        NonRetryableTaskException => (exception.Message, false),
        OperationCanceledException when timedOut => ($"The attempt timed out after {timeout?.TotalSeconds:0.#} s.", true),
        OperationCanceledException when leaseLost => ("The attempt lost its lease and was stopped.", true),
        _ when handler?.IsNonRetryable(exception) == true => ($"{exception.GetType().Name}: {exception.Message}", false),
        _ => ($"{exception.GetType().Name}: {exception.Message}", true),
    };
}
