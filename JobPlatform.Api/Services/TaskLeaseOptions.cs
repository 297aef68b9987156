namespace JobPlatform.Api.Services;

/// <summary>How long a claim holds a task before another worker may take it. Bound from <c>TaskLease</c>.</summary>
public sealed class TaskLeaseOptions
{
    public const string SectionName = "TaskLease";

    /// <summary>
    /// The lease a claim or heartbeat grants when the worker does not ask for one. Workers ask for
    /// their visibility timeout, so a message that reappears because its worker died finds the
    /// lease expired and can be claimed again. Defaults to 30 s.
    /// </summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(30);
}
