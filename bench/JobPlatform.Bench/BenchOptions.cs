namespace JobPlatform.Bench;

/// <summary>What one benchmark run measures, and how much.</summary>
public sealed record BenchOptions
{
    /// <summary>No-op tasks in the end-to-end job (and Hangfire jobs in the baseline). Defaults to 20,000.</summary>
    public int Tasks { get; init; } = 20_000;

    /// <summary>Worker replicas for every scenario but scaling. Defaults to 3.</summary>
    public int Workers { get; init; } = 3;

    /// <summary>End-to-end runs (each followed by a Hangfire run); the table shows medians. Defaults to 3.</summary>
    public int Runs { get; init; } = 3;

    /// <summary>Requests per second for the submission-latency scenario. Defaults to 200.</summary>
    public int SubmitRate { get; init; } = 200;

    /// <summary>How long the submission-latency scenario sends. Defaults to 10 s.</summary>
    public TimeSpan SubmitDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the submission-latency scenario sends at its rate before it starts counting. Defaults to 2 s.</summary>
    public TimeSpan SubmitWarmUp { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Tasks of the big job whose acceptance time and memory are measured. Defaults to 100,000.</summary>
    public int BigJobTasks { get; init; } = 100_000;

    /// <summary>One-task jobs sent one at a time to idle workers for the start latency. Defaults to 100.</summary>
    public int StartSamples { get; init; } = 100;

    /// <summary>
    /// One-task jobs run before the start-latency samples and not counted: the first jobs through a
    /// new graph pay for JIT compilation and new connections (the very first about 1.2 s, the next
    /// twenty 30-250 ms). Defaults to 20.
    /// </summary>
    public int StartWarmUp { get; init; } = 20;

    /// <summary>Worker replica counts for the scaling scenario. Defaults to 1, 2 and 4.</summary>
    public IReadOnlyList<int> Scaling { get; init; } = [1, 2, 4];

    /// <summary>No-op tasks per scaling run. Defaults to 10,000.</summary>
    public int ScalingTasks { get; init; } = 10_000;

    /// <summary>Hangfire worker counts tried on a short calibration run; the best runs the baseline. Defaults to 20 and 50.</summary>
    public IReadOnlyList<int> HangfireWorkerCounts { get; init; } = [20, 50];

    /// <summary>Whether to measure the end-to-end job again with telemetry exported to the AppHost's dashboard. Defaults to true.</summary>
    public bool Telemetry { get; init; } = true;

    /// <summary>
    /// Finished tasks, past their retention, that the pruner deletes while the end-to-end job runs
    /// again (0 skips the scenario). Defaults to 1,000,000.
    /// </summary>
    public int PruneTasks { get; init; } = 1_000_000;

    /// <summary>Whether to run the Hangfire baseline. Defaults to true.</summary>
    public bool Hangfire { get; init; } = true;

    /// <summary>
    /// Whether to load pg_stat_statements and print the statements the end-to-end runs spent
    /// PostgreSQL's time on. Defaults to false: the profile costs a little time itself.
    /// </summary>
    public bool SqlProfile { get; init; }

    /// <summary>Where to write the table as Markdown, besides the console.</summary>
    public string? Output { get; init; }

    /// <summary>A few hundred tasks through every scenario: proves the benchmark works, measures nothing.</summary>
    public static BenchOptions Smoke { get; } = new()
    {
        Tasks = 300,
        Workers = 2,
        Runs = 1,
        SubmitRate = 20,
        SubmitDuration = TimeSpan.FromSeconds(1),
        SubmitWarmUp = TimeSpan.FromSeconds(0.5),
        BigJobTasks = 1_000,
        StartSamples = 5,
        StartWarmUp = 1,
        Scaling = [1],
        ScalingTasks = 200,
        HangfireWorkerCounts = [5],
        PruneTasks = 20_000,
    };
}
