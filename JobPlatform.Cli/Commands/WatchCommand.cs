using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using JobPlatform.Client;
using JobPlatform.Contracts;
using Spectre.Console;

namespace JobPlatform.Cli.Commands;

/// <summary>jp watch: a job's progress until it ends, then a summary of its failures.</summary>
public static class WatchCommand
{
    /// <summary>Failed tasks the summary names; the rest are counted.</summary>
    private const int FailuresShown = 10;

    /// <summary>How often the plain (not a terminal) form prints a line while the job changes.</summary>
    private static readonly TimeSpan PlainEvery = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var id = new Argument<Guid>("id") { Description = "The job's id." };
        var json = new Option<bool>("--json") { Description = "Print the job as NDJSON, one line each time it changes." };
        var command = new Command("watch", "Follow a job until it ends: a progress bar with its rate and time left, then a summary of its failures. Exits 0 when it completed, 1 when it failed or was cancelled.") { id, json };
        command.SetApiAction((parse, client, output, ct) => FollowAsync(client, parse.GetValue(id), output, ct));
        return command;
    }

    /// <summary>Follows the job to its end and says how it went; the exit code is the job's outcome.</summary>
    public static async Task<int> FollowAsync(JobPlatformClient client, Guid jobId, Output output, CancellationToken ct)
    {
        JobResponse job;
        if (output.Json)
        {
            job = null!;
            await foreach (var update in client.WatchAsync(jobId, ct))
            {
                output.WriteJsonLine(update);
                job = update;
            }
        }
        else if (Output.Plain)
        {
            job = await FollowPlainAsync(client, jobId, output, ct);
        }
        else
        {
            job = await FollowLiveAsync(client, jobId, ct);
        }
        if (!output.Json)
        {
            await SummarizeAsync(client, job, output, ct);
        }
        return job.Status == JobStatus.Completed ? ExitCodes.Done : ExitCodes.JobFailed;
    }

    private static async Task<JobResponse> FollowLiveAsync(JobPlatformClient client, Guid jobId, CancellationToken ct)
    {
        JobResponse job = null!;
        var rate = new Rate();
        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                ProgressTask? bar = null;
                await foreach (var update in client.WatchAsync(jobId, ct))
                {
                    job = update;
                    var done = JobCommands.Finished(job.Counts);
                    rate.Add(done);
                    bar ??= context.AddTask(Markup.Escape(job.Name), maxValue: job.TaskCount);
                    bar.Value = done;
                    bar.Description = Markup.Escape($"{job.Name} {job.Status} {done:N0}/{job.TaskCount:N0}") +
                        (JobCommands.Failed(job.Counts) > 0 ? $" [red]{JobCommands.Failed(job.Counts):N0} failed[/]" : "") +
                        $" [grey]{rate.PerSecond:N0} tasks/s[/]";
                }
                bar?.StopTask();
            });
        return job;
    }

    private static async Task<JobResponse> FollowPlainAsync(JobPlatformClient client, Guid jobId, Output output, CancellationToken ct)
    {
        JobResponse job = null!;
        var rate = new Rate();
        var printed = TimeSpan.MinValue;
        var clock = Stopwatch.StartNew();
        string? lastStatus = null;
        await foreach (var update in client.WatchAsync(jobId, ct))
        {
            job = update;
            var done = JobCommands.Finished(job.Counts);
            rate.Add(done);
            // A line a second at most while it runs, and one for every change of status.
            if (job.Status != lastStatus || clock.Elapsed - printed >= PlainEvery || JobPlatformClient.IsFinal(job))
            {
                var left = rate.PerSecond > 0 && !JobPlatformClient.IsFinal(job)
                    ? $", ~{Seconds((job.TaskCount - done) / rate.PerSecond)} left"
                    : "";
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{JobCommands.Time(DateTimeOffset.UtcNow)} {job.Status} {done}/{job.TaskCount} ({Percent(done, job.TaskCount)}), {JobCommands.Failed(job.Counts)} failed, {rate.PerSecond:F0} tasks/s{left}"));
                printed = clock.Elapsed;
                lastStatus = job.Status;
            }
        }
        return job;
    }

    /// <summary>How the job ended, and which of its tasks failed.</summary>
    private static async Task SummarizeAsync(JobPlatformClient client, JobResponse job, Output output, CancellationToken ct)
    {
        var c = job.Counts;
        var took = job.StartedAt is { } started && job.FinishedAt is { } finished ? finished - started : (TimeSpan?)null;
        var speed = took is { TotalSeconds: > 0 } span ? string.Create(CultureInfo.InvariantCulture, $" in {Seconds(span.TotalSeconds)} ({c.Succeeded / span.TotalSeconds:F0} tasks/s)") : "";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Job {job.Id} {job.Status}: {c.Succeeded:N0} succeeded, {c.Failed:N0} failed, {c.DeadLettered:N0} dead-lettered, {c.Cancelled:N0} cancelled{speed}."));
        var failures = JobCommands.Failed(c);
        if (failures == 0)
        {
            return;
        }
        var shown = new List<TaskResponse>();
        foreach (var status in new[] { JobTaskStatus.Failed, JobTaskStatus.DeadLettered })
        {
            await foreach (var task in client.ListJobTasksAsync(job.Id, status, FailuresShown, ct))
            {
                if (shown.Count == FailuresShown)
                {
                    break;
                }
                shown.Add(task);
            }
        }
        output.WriteLine("Failed tasks:");
        foreach (var task in shown.OrderBy(t => t.Index))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  #{task.Index} {task.Status} after {task.AttemptCount} attempt{(task.AttemptCount == 1 ? "" : "s")}: {task.Error}"));
        }
        if (failures > shown.Count)
        {
            output.WriteLine($"  and {failures - shown.Count:N0} more: jp tasks {job.Id} --failed");
        }
    }

    private static string Percent(int done, int total) =>
        total == 0 ? "100%" : (done * 100.0 / total).ToString("F1", CultureInfo.InvariantCulture) + "%";

    private static string Seconds(double seconds) => TimeSpan.FromSeconds(Math.Round(seconds)) switch
    {
        { TotalHours: >= 1 } t => $"{(int)t.TotalHours}h{t.Minutes:D2}m",
        { TotalMinutes: >= 1 } t => $"{t.Minutes}m{t.Seconds:D2}s",
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds:F1}s"),
    };

    /// <summary>Tasks finished a second, over the last ten seconds of samples.</summary>
    private sealed class Rate
    {
        private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
        private readonly Queue<(TimeSpan At, int Done)> _samples = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public double PerSecond { get; private set; }

        public void Add(int done)
        {
            var now = _clock.Elapsed;
            _samples.Enqueue((now, done));
            while (_samples.Count > 2 && now - _samples.Peek().At > Window)
            {
                _samples.Dequeue();
            }
            var (firstAt, firstDone) = _samples.Peek();
            var span = (now - firstAt).TotalSeconds;
            PerSecond = span > 0.2 ? (done - firstDone) / span : PerSecond;
        }
    }
}
