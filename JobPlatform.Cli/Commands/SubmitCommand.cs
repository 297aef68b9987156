using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using JobPlatform.Contracts;

namespace JobPlatform.Cli.Commands;

/// <summary>jp submit: a job of one task type, with a task count or a file of inputs.</summary>
public static class SubmitCommand
{
    public static Command Create()
    {
        var type = new Argument<string>("type") { Description = "The task type every task runs (jp lists them: GET /api/v1/task-types)." };
        var tasks = new Option<int?>("--tasks", "-t") { Description = $"How many tasks, 1 to {JobLimits.MaxTaskCount:N0}." };
        var inputs = new Option<FileInfo?>("--inputs", "-i") { Description = "A file of task inputs, one JSON object per line (NDJSON); '-' reads stdin. The task count follows." };
        var parameters = new Option<string[]>("--param", "-p")
        {
            Description = "A parameter every task gets, as key=value; the value is read as JSON when it is JSON (2, true, {\"a\":1}), else as text. Repeat for more.",
            AllowMultipleArgumentsPerToken = false,
        };
        var name = new Option<string?>("--name") { Description = "A label for people. Defaults to the type." };
        var priority = new Option<string?>("--priority") { Description = $"One of: {string.Join(", ", JobPriority.All)}." };
        var queue = new Option<string?>("--queue") { Description = "The queue its tasks travel on. Defaults to the one the type's worker registered." };
        var maxAttempts = new Option<int?>("--max-attempts") { Description = "How many times a task may run." };
        var failureThreshold = new Option<int?>("--failure-threshold") { Description = "How many tasks may fail before the job fails." };
        var timeout = new Option<int?>("--timeout") { Description = "Seconds one attempt may run." };
        var delay = new Option<TimeSpan?>("--delay") { Description = "Run the job this long from now, as [d.]hh:mm:ss." };
        var runAt = new Option<DateTimeOffset?>("--run-at") { Description = "Run the job at this time (ISO 8601, for example 2026-12-24T08:00:00Z)." };
        var idempotencyKey = new Option<string?>("--idempotency-key") { Description = "Submitting again with the same key (within 24 h) returns the same job. Defaults to a new key." };
        var wait = new Option<bool>("--wait", "-w") { Description = "Follow the job until it ends, as jp watch does; the exit code is then the job's outcome." };
        var json = Globals.Json();
        var command = new Command("submit", "Submit a job. Prints its id (its JSON with --json).")
        {
            type, tasks, inputs, parameters, name, priority, queue, maxAttempts, failureThreshold, timeout, delay, runAt, idempotencyKey, wait, json,
        };
        command.SetApiAction(async (parse, client, output, ct) =>
        {
            var file = parse.GetValue(inputs);
            var count = parse.GetValue(tasks);
            if (file is null && count is null)
            {
                throw new UsageException("Say how many tasks (--tasks N) or give their inputs (--inputs FILE).");
            }
            if (file is not null && count is not null)
            {
                throw new UsageException("Give --tasks or --inputs, not both: with inputs, the task count is the number of lines.");
            }
            var request = new SubmitJobRequest(
                parse.GetValue(name), parse.GetValue(type), count, ReadParameters(parse.GetValue(parameters) ?? []), parse.GetValue(maxAttempts),
                parse.GetValue(failureThreshold), parse.GetValue(timeout), parse.GetValue(priority), Queue: parse.GetValue(queue),
                RunAt: parse.GetValue(runAt), Delay: parse.GetValue(delay));
            var key = parse.GetValue(idempotencyKey);

            JobResponse job;
            if (file is null)
            {
                job = await client.SubmitAsync(request, key, ct);
            }
            else if (file.Name == "-")
            {
                job = await client.SubmitAsync(request, Console.OpenStandardInput(), key, ct);
            }
            else
            {
                if (!file.Exists)
                {
                    throw new UsageException($"The inputs file '{file.FullName}' does not exist.");
                }
                await using var stream = file.OpenRead();
                job = await client.SubmitAsync(request, stream, key, ct);
            }

            if (output.Json && !parse.GetValue(wait))
            {
                output.WriteJson(job);
            }
            else if (Output.Plain || output.Json)
            {
                output.WriteLine(job.Id.ToString());
            }
            else
            {
                output.WriteLine($"Submitted job {job.Id} ({job.Name}, {job.TaskCount:N0} {job.Type} tasks, {job.Status}).");
                if (job.Notice is { } notice)
                {
                    output.WriteLine(notice);
                }
            }
            return parse.GetValue(wait) ? await WatchCommand.FollowAsync(client, job.Id, output, ct) : ExitCodes.Done;
        });
        return command;
    }

    /// <summary>
    /// <c>key=value</c> pairs as the job's parameters: a value that is JSON is taken as JSON, anything
    /// else as text. Null when none are given, so the type's defaults apply.
    /// </summary>
    public static JsonObject? ReadParameters(IReadOnlyList<string> pairs)
    {
        if (pairs.Count == 0)
        {
            return null;
        }
        var parameters = new JsonObject();
        foreach (var pair in pairs)
        {
            var split = pair.IndexOf('=');
            if (split <= 0)
            {
                throw new UsageException($"--param '{pair}' is not key=value.");
            }
            var key = pair[..split].Trim();
            var text = pair[(split + 1)..];
            JsonNode? value;
            try
            {
                value = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                value = JsonValue.Create(text);
            }
            parameters[key] = value;
        }
        return parameters;
    }
}
