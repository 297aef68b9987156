namespace JobPlatform.Api.Lifecycle;

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

/// <summary>SQL shared by every path that ends an attempt its worker stopped reporting on.</summary>
internal static class LostAttempts
{
    public const string Error = "The worker stopped reporting before the lease ran out.";

    public const string LastAttemptError =
        "The worker stopped reporting before the lease ran out, on the task's last attempt: the task may crash its worker. Dead-lettered; retry it once the cause is fixed.";

    /// <summary>
    /// A CTE body that ends the attempts whose ids <paramref name="attemptIds"/> selects as lost, with
    /// the error <paramref name="error"/> (an expression); attempts that already ended are left alone.
    /// Binds <c>@lost</c> to <see cref="AttemptOutcome.Lost"/>.
    /// </summary>
    public static string Close(string attemptIds, string error) =>
        $"UPDATE task_attempts SET ended_at = now(), outcome = @lost, error = {error} WHERE id IN ({attemptIds}) AND ended_at IS NULL";
}
