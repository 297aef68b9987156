namespace JobPlatform.Api.Domain;

/// <summary>How an attempt ended, stored as lowercase text on <c>task_attempts.outcome</c>.</summary>
public static class AttemptOutcome
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    /// <summary>The worker stopped reporting and its lease ran out; the TaskReconciler took the task back.</summary>
    public const string Lost = "lost";

    /// <summary>A stopping worker gave the task back before it finished.</summary>
    public const string Released = "released";
}
