using System.CommandLine;
using System.Globalization;
using JobPlatform.Client;
using JobPlatform.Contracts;

namespace JobPlatform.Cli.Commands;

/// <summary>jp jobs, job, results, cancel, retry and tasks.</summary>
public static class JobCommands
{
    public static Command Jobs()
    {
        var status = new Option<string?>("--status") { Description = $"Only jobs in this status: {string.Join(", ", JobStatus.All)}." };
        var name = new Option<string?>("--name") { Description = "Only jobs whose name contains this." };
        var limit = new Option<int>("--limit", "-n") { Description = "How many jobs to list, newest first.", DefaultValueFactory = _ => 20 };
        limit.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) { r.AddError("--limit must be at least 1."); } });
        var json = Globals.Json();
        var command = new Command("jobs", "List jobs, newest first.") { status, name, limit, json };
        command.SetApiAction(async (parse, client, output, ct) =>
        {
            var jobs = new List<JobResponse>();
            await foreach (var job in client.ListJobsAsync(new JobQuery(parse.GetValue(status), parse.GetValue(name)), Math.Min(parse.GetValue(limit), JobLimits.MaxPageSize), ct))
            {
                jobs.Add(job);
                if (jobs.Count == parse.GetValue(limit))
                {
                    break;
                }
            }
            output.WriteList(jobs, ["ID", "NAME", "TYPE", "STATUS", "DONE", "TASKS", "FAILED", "CREATED"],
                j => [j.Id.ToString(), j.Name, j.Type, j.Status, Finished(j.Counts).ToString(CultureInfo.InvariantCulture),
                    j.TaskCount.ToString(CultureInfo.InvariantCulture), Failed(j.Counts).ToString(CultureInfo.InvariantCulture), Time(j.CreatedAt)]);
            return ExitCodes.Done;
        });
        return command;
    }

    public static Command Job()
    {
        var id = JobId();
        var json = Globals.Json();
        var command = new Command("job", "Show a job and its task counts.") { id, json };
        command.SetApiAction(async (parse, client, output, ct) =>
        {
            var job = await client.GetJobAsync(parse.GetValue(id), ct);
            if (output.Json)
            {
                output.WriteJson(job);
            }
            else
            {
                WriteJob(output, job);
            }
            return ExitCodes.Done;
        });
        return command;
    }

    public static Command Results()
    {
        var id = JobId();
        var command = new Command("results", "Print a job's task results as NDJSON, in task order: one line per task with its status and its result or error.") { id };
        command.SetApiAction(async (parse, client, output, ct) =>
        {
            await foreach (var line in client.ReadResultsAsync(parse.GetValue(id), ct))
            {
                output.WriteJsonLine(line);
            }
            return ExitCodes.Done;
        });
        return command;
    }

    public static Command Cancel() => JobAction("cancel",
        "Cancel a job: its unfinished tasks are cancelled, running ones stop at their next heartbeat.",
        (client, id, ct) => client.CancelJobAsync(id, ct), job => $"Job {job.Id} is {job.Status}.");

    public static Command Retry() => JobAction("retry",
        "Run a finished job's failed, dead-lettered and cancelled tasks again.",
        (client, id, ct) => client.RetryJobAsync(id, ct), job => $"Job {job.Id} is {job.Status} again.");

    /// <summary>A command that does one thing to a job and prints the job as it then is.</summary>
    private static Command JobAction(string name, string description, Func<JobPlatformClient, Guid, CancellationToken, Task<JobResponse>> act, Func<JobResponse, string> text)
    {
        var id = JobId();
        var json = Globals.Json();
        var command = new Command(name, description) { id, json };
        command.SetApiAction(async (parse, client, output, ct) =>
        {
            var job = await act(client, parse.GetValue(id), ct);
            output.WriteValue(job, text(job));
            return ExitCodes.Done;
        });
        return command;
    }

    public static Command Tasks()
    {
        var job = new Argument<Guid?>("job") { Description = "Only this job's tasks, in order. Without it: tasks across all jobs, the most recently finished first.", Arity = ArgumentArity.ZeroOrOne };
        var failed = new Option<bool>("--failed") { Description = "Only tasks that failed for good or were dead-lettered." };
        var status = new Option<string[]>("--status") { Description = $"Only tasks in these statuses: {string.Join(", ", JobTaskStatus.All)}.", AllowMultipleArgumentsPerToken = true };
        var limit = new Option<int>("--limit", "-n") { Description = "How many tasks to list.", DefaultValueFactory = _ => 50 };
        limit.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) { r.AddError("--limit must be at least 1."); } });
        var json = Globals.Json();
        var command = new Command("tasks", "List tasks: a job's, or the failed ones across jobs.") { job, failed, status, limit, json };
        command.SetApiAction(async (parse, client, output, ct) =>
        {
            var statuses = (parse.GetValue(status) ?? []).ToList();
            if (parse.GetValue(failed))
            {
                statuses.AddRange([JobTaskStatus.Failed, JobTaskStatus.DeadLettered]);
            }
            var unknown = statuses.Where(s => !JobTaskStatus.All.Contains(s)).ToList();
            if (unknown.Count > 0)
            {
                throw new UsageException($"Unknown task status '{unknown[0]}'. Use one of: {string.Join(", ", JobTaskStatus.All)}.");
            }
            var max = parse.GetValue(limit);
            var pageSize = Math.Min(max, JobLimits.MaxPageSize);
            IAsyncEnumerable<TaskResponse> source = parse.GetValue(job) is { } jobId
                ? statuses.Count == 0
                    ? client.ListJobTasksAsync(jobId, null, pageSize, ct)
                    : Concat(statuses.Distinct().Select(s => client.ListJobTasksAsync(jobId, s, pageSize, ct)))
                : client.ListTasksAsync(statuses.Count == 0 ? [JobTaskStatus.Failed, JobTaskStatus.DeadLettered] : statuses.Distinct(), pageSize, ct);
            var tasks = new List<TaskResponse>();
            await foreach (var task in source)
            {
                tasks.Add(task);
                if (tasks.Count == max)
                {
                    break;
                }
            }
            if (parse.GetValue(job) is not null && statuses.Count > 1)
            {
                tasks.Sort((a, b) => a.Index.CompareTo(b.Index));
            }
            output.WriteList(tasks, ["TASK", "JOB", "INDEX", "STATUS", "ATTEMPTS", "WORKER", "ERROR"],
                t => [t.Id.ToString(), t.JobName ?? t.JobId.ToString(), t.Index.ToString(CultureInfo.InvariantCulture), t.Status,
                    t.AttemptCount.ToString(CultureInfo.InvariantCulture), t.WorkerId ?? "", t.Error ?? ""]);
            return ExitCodes.Done;
        });
        return command;
    }

    /// <summary>The job's fields for people.</summary>
    public static void WriteJob(Output output, JobResponse job)
    {
        var c = job.Counts;
        output.WriteFields([
            ("id", job.Id.ToString()),
            ("name", job.Name),
            ("type", job.Type),
            ("queue", job.Queue),
            ("status", job.Status),
            ("priority", job.Priority),
            ("tasks", $"{job.TaskCount:N0}: {c.Succeeded:N0} succeeded, {c.Failed:N0} failed, {c.DeadLettered:N0} dead-lettered, {c.Cancelled:N0} cancelled, " +
                $"{c.Running:N0} running, {c.Retrying:N0} retrying, {c.Pending + c.Enqueued:N0} waiting"),
            ("created", Time(job.CreatedAt)),
            ("started", job.StartedAt is { } started ? Time(started) : "-"),
            ("finished", job.FinishedAt is { } finished ? Time(finished) : "-"),
            .. job.RunAt is { } runAt ? [("runs at", Time(runAt))] : Array.Empty<(string, string?)>(),
            .. job.Notice is { } notice ? [("notice", notice)] : Array.Empty<(string, string?)>(),
        ]);
    }

    public static int Finished(TaskCounts c) => c.Succeeded + c.Failed + c.DeadLettered + c.Cancelled;

    public static int Failed(TaskCounts c) => c.Failed + c.DeadLettered;

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static Argument<Guid> JobId() => new("id") { Description = "The job's id." };

    private static async IAsyncEnumerable<T> Concat<T>(IEnumerable<IAsyncEnumerable<T>> sources)
    {
        foreach (var source in sources)
        {
            await foreach (var item in source)
            {
                yield return item;
            }
        }
    }
}
