namespace JobPlatform.Worker.Sdk;

/// <summary>How a worker replica takes work. Bound from <c>Worker</c>.</summary>
public sealed class WorkerOptions
{
    public const string SectionName = "Worker";

    /// <summary>
    /// Where the JobPlatform Api is. Defaults to <c>http://api</c>, which service discovery resolves
    /// under the AppHost (<c>services__api__http__0</c>) and DNS resolves in a cluster; elsewhere set
    /// the Api's address, e.g. <c>http://localhost:5080</c>.
    /// </summary>
    public string ApiUrl { get; set; } = "http://api";

    /// <summary>This replica's name in attempts and logs. Defaults to the host name and process id.</summary>
    public string WorkerId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Tasks one replica runs at once. Defaults to 16.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>
    /// The queues this replica receives from (see <see cref="Contracts.QueueNames"/>), for example
    /// <c>Worker__Queues__0=files</c>. Defaults to the queues of its task types: <c>default</c> for a
    /// type whose <see cref="TaskHandlerOptions.Queue"/> is not set. A worker pool serves a set of
    /// queues, and the Api sends a task on a queue only while every live worker receiving from it runs
    /// the task's type.
    /// </summary>
    public List<string> Queues { get; set; } = [];

    /// <summary>Receive loops per SQS queue (each queue has one per priority, four in all). Defaults to 1.</summary>
    public int Pollers { get; set; } = 1;

    /// <summary>
    /// While tasks run on this replica, how long a receive loop may wait for more of them to finish
    /// so that one receive brings several messages; zero receives as soon as one slot is free. A
    /// task arriving at an idle replica never waits for it. Defaults to 20 ms.
    /// </summary>
    public TimeSpan ReceiveLinger { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long a queue found empty is left alone by busy receive loops before they look again. Defaults to 200 ms.</summary>
    public TimeSpan EmptyQueueRecheck { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long one receive waits for messages; 20 s is the SQS maximum. Defaults to 20 s.</summary>
    public TimeSpan ReceiveWaitTime { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The pause after a failed receive before the next. Defaults to 2 s.</summary>
    public TimeSpan ReceiveErrorDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a received message stays hidden from other workers, and how long the task's lease
    /// lasts; both are renewed by every heartbeat. Whole seconds, 1 s to 12 h. Defaults to 30 s.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often a running task's message visibility and lease are renewed. Must be at most a third
    /// of <see cref="VisibilityTimeout"/>, so two late heartbeats in a row still keep the task.
    /// Defaults to 10 s.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a stopping worker lets running tasks finish before it cancels them. Defaults to 10 s.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the replica reports its presence to the Api (the console's Workers page). Defaults to 5 s.</summary>
    public TimeSpan PresenceInterval { get; set; } = TimeSpan.FromSeconds(5);
}
