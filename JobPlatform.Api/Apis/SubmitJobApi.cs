using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JobPlatform.Api.Catalogue;
using JobPlatform.Api.Data;
using JobPlatform.Api.Lifecycle;
using JobPlatform.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JobPlatform.Api.Apis;

/// <summary>
/// POST /api/v1/jobs: reads and validates a job, then hands it to <see cref="Submission"/>. Every
/// refusal is a problem response naming the field; an Idempotency-Key makes a retried submit return
/// the first answer.
/// </summary>
public static class SubmitJobApi
{
    /// <summary>The web defaults, except that a field the Api does not know is refused, never ignored.</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The fields of a job, as JSON names them.</summary>
    private static readonly HashSet<string> Fields = Json.GetTypeInfo(typeof(SubmitJobRequest)).Properties.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

    public static async Task<Results<Created<JobResponse>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> SubmitJobAsync(
        HttpRequest request, [AsParameters] JobServices services, TaskCatalogue catalogue, CancellationToken ct)
    {
        if (request.ContentType is { } contentType && contentType.StartsWith(JobLimits.NdjsonContentType, StringComparison.OrdinalIgnoreCase))
        {
            return await SubmitNdjsonAsync(request, services, catalogue, ct);
        }
        SubmitJobRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<SubmitJobRequest>(Json, ct);
        }
        catch (JsonException ex)
        {
            return Unreadable(ex, line: null);
        }
        catch (InvalidOperationException) when (!request.HasJsonContentType())
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported content type.",
                detail: $"Send the job as JSON with 'Content-Type: application/json', or as NDJSON (the job, then one input per line) with 'Content-Type: {JobLimits.NdjsonContentType}'.");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge($"The request body is over the {JobLimits.MaxRequestBodyBytes:N0}-byte limit.");
        }

        if (body is null)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["body"] = ["Send a job object, for example {\"type\":\"noop\",\"taskCount\":10}."] });
        }

        var parametersBytes = body.Parameters is null ? 0 : Encoding.UTF8.GetByteCount(body.Parameters.ToJsonString());
        if (parametersBytes > JobLimits.MaxParametersBytes)
        {
            return TooLarge($"parameters is {parametersBytes:N0} bytes; the limit is {JobLimits.MaxParametersBytes:N0}.");
        }
        // Each input is stored as the JSON text measured here (a null one is refused below).
        var inputTexts = body.Inputs?.Select(input => input?.ToJsonString()).ToArray();
        for (var i = 0; i < (inputTexts?.Length ?? 0); i++)
        {
            var inputBytes = inputTexts![i] is { } text ? Encoding.UTF8.GetByteCount(text) : 0;
            if (inputBytes > JobLimits.MaxInputBytes)
            {
                return TooLarge($"inputs[{i}] is {inputBytes:N0} bytes; the limit is {JobLimits.MaxInputBytes:N0}.");
            }
        }

        var registered = TaskTypeNames.IsValid(body.Type) ? await catalogue.FindAsync(body.Type!, ct) : null;
        var now = services.Clock.GetUtcNow();
        var (validated, errors, _) = Validate(body, registered, now);
        var idempotencyKey = IdempotencyKeyOf(request, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The job is not valid.");
        }
        var inputs = inputTexts?.Select(text => text ?? throw new System.Diagnostics.UnreachableException("Validate refuses a null input.")).ToArray();

        var job = NewJob(validated!, services.Tenant.RequiredId, now);
        var idempotency = idempotencyKey.Length == 0 ? null : Remember(job, idempotencyKey, Fingerprint(body));
        var outcome = await services.Submission.SubmitAsync(job, inputs, idempotency, ct);
        return Answer(outcome, job, outcome is SubmitOutcome.Created ? await catalogue.NoticeForAsync(job.Type, job.Queue, ct) : null, idempotencyKey, request, services);
    }

    /// <summary>
    /// A job sent as NDJSON: the job on its first line (without taskCount or inputs), then one task
    /// input per line, as many as the job's task limit. The inputs are checked and copied to
    /// PostgreSQL as they arrive, never held whole; any refused input refuses the job, and nothing is
    /// stored. An Idempotency-Key fingerprints the body's bytes.
    /// </summary>
    private static async Task<Results<Created<JobResponse>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> SubmitNdjsonAsync(
        HttpRequest request, JobServices services, TaskCatalogue catalogue, CancellationToken ct)
    {
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = JobLimits.MaxNdjsonBodyBytes;
        }
        using var lines = new NdjsonLines(request.BodyReader);
        SubmitJobRequest? header;
        try
        {
            header = await lines.NextAsync(JobLimits.MaxRequestBodyBytes, ct) is { } first
                ? JsonSerializer.Deserialize<SubmitJobRequest>(first, Json)
                : null;
        }
        catch (JsonException ex)
        {
            return Unreadable(ex, line: 1);
        }
        catch (LineTooLongException ex)
        {
            return TooLarge(ex.Message);
        }
        if (header is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [NdjsonShape] }, title: "The request body could not be read.");
        }
        if (header.Parameters is { } parameters && Encoding.UTF8.GetByteCount(parameters.ToJsonString()) is var bytes && bytes > JobLimits.MaxParametersBytes)
        {
            return TooLarge($"parameters is {bytes:N0} bytes; the limit is {JobLimits.MaxParametersBytes:N0}.");
        }

        var registered = TaskTypeNames.IsValid(header.Type) ? await catalogue.FindAsync(header.Type!, ct) : null;
        var now = services.Clock.GetUtcNow();
        var (validated, errors, check) = Validate(header, registered, now, streamed: true);
        var idempotencyKey = IdempotencyKeyOf(request, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The job is not valid.");
        }

        var job = NewJob(validated!, services.Tenant.RequiredId, now);
        try
        {
            var outcome = await services.Submission.SubmitStreamAsync(job, ReadInputsAsync(lines, check, validated!.FailureThreshold, ct),
                idempotencyKey.Length == 0 ? null : idempotencyKey, stored => Remember(stored, idempotencyKey, lines.Fingerprint()), ct);
            return Answer(outcome, job, outcome is SubmitOutcome.Created ? await catalogue.NoticeForAsync(job.Type, job.Queue, ct) : null, idempotencyKey, request, services);
        }
        catch (InputsRefusedException refused)
        {
            return TypedResults.ValidationProblem(refused.Errors, title: "The job is not valid.");
        }
        catch (LineTooLongException ex)
        {
            return TooLarge($"{ex.Message} A task's input is at most {JobLimits.MaxInputBytes:N0} bytes.");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge($"The request body is over the {JobLimits.MaxNdjsonBodyBytes:N0}-byte limit of an NDJSON job.");
        }
    }

    /// <summary>
    /// The inputs of an NDJSON job, each checked as it is read. The first refusal stops the inputs
    /// going to PostgreSQL; reading goes on to name up to <see cref="TaskInputCheck.MaxListed"/> bad
    /// inputs, then the whole job is refused with them (<see cref="InputsRefusedException"/>).
    /// </summary>
    private static async IAsyncEnumerable<string> ReadInputsAsync(NdjsonLines lines, TaskInputCheck check, int failureThreshold,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var (index, refused) = (0, 0);
        while (refused < TaskInputCheck.MaxListed && await lines.NextAsync(JobLimits.MaxInputBytes, ct) is { } line)
        {
            if (index == JobLimits.MaxTaskCount)
            {
                errors["inputs"] = [$"A job has at most {JobLimits.MaxTaskCount:N0} tasks: line {lines.LineNumber} is input {index + 1:N0}."];
                break;
            }
            var good = false;
            try
            {
                good = check.Check(System.Text.Json.Nodes.JsonNode.Parse(line) as System.Text.Json.Nodes.JsonObject, index, errors);
            }
            catch (JsonException ex)
            {
                errors[$"inputs[{index}]"] = [$"Line {lines.LineNumber} is not JSON: {ex.Message}"];
            }
            if (!good)
            {
                refused++;
            }
            else if (errors.Count == 0)
            {
                yield return line;
            }
            index++;
        }
        if (errors.Count == 0 && index == 0)
        {
            errors["inputs"] = [$"The body has the job but no inputs. {NdjsonShape}"];
        }
        if (failureThreshold > index && errors.Count == 0)
        {
            errors["failureThreshold"] = [FailureThresholdError(index, failureThreshold)];
        }
        if (errors.Count > 0)
        {
            throw new InputsRefusedException(errors);
        }
    }

    /// <summary>The 400 of a body System.Text.Json could not read: the field it names (an unknown one, or of the wrong type), or the body.</summary>
    private static ValidationProblem Unreadable(JsonException ex, int? line)
    {
        var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
        var where = line is null ? $"line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}" : $"line {line}, byte {ex.BytePositionInLine + 1}";
        var message = field == "body"
            ? $"The body is not a JSON job object ({where})."
            : !Fields.Contains(field.Split('.', '[')[0])
                ? $"{field} is not a field of a job. The fields are: {string.Join(", ", Fields.Order())}."
                : $"{field} has the wrong type ({where}). See the API reference at /openapi/v1.json.";
        return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request body could not be read.");
    }

    /// <summary>The Idempotency-Key header, or empty; a key that is too long is added to <paramref name="errors"/>.</summary>
    private static string IdempotencyKeyOf(HttpRequest request, Dictionary<string, string[]> errors)
    {
        var idempotencyKey = request.Headers[JobsApi.IdempotencyKeyHeader].ToString();
        if (idempotencyKey.Length > JobLimits.MaxIdempotencyKeyLength)
        {
            errors[JobsApi.IdempotencyKeyHeader] = [$"The {JobsApi.IdempotencyKeyHeader} header is at most {JobLimits.MaxIdempotencyKeyLength} characters."];
        }
        return idempotencyKey;
    }

    /// <summary>
    /// The job <paramref name="body"/> makes for <paramref name="tenantId"/> at <paramref name="now"/>,
    /// checked as POST /jobs checks it (without its size limits, which the caller's body already
    /// met), or what is wrong with it: a schedule's firing submits its template this way.
    /// </summary>
    public static (Job? Job, Dictionary<string, string[]> Errors) Prepare(SubmitJobRequest body, RegisteredTaskType? registered, string tenantId, DateTimeOffset now)
    {
        var (validated, errors, _) = Validate(body, registered, now);
        return (validated is null ? null : NewJob(validated, tenantId, now), errors);
    }

    /// <summary>The task inputs of <paramref name="body"/> as stored (JSON text, one per task), or null when it gave none.</summary>
    internal static string[]? InputTexts(SubmitJobRequest body) => body.Inputs?.Select(input => input!.ToJsonString()).ToArray();

    private static Job NewJob(ValidJob validated, string tenantId, DateTimeOffset now)
    {
        var job = new Job
        {
            Id = Guid.CreateVersion7(now),
            TenantId = tenantId,
            Name = validated.Name,
            Type = validated.Type,
            Queue = validated.Queue,
            RetryBackoff = validated.RetryBackoff,
            Status = validated.RunAt is null ? JobStatus.Pending : JobStatus.Scheduled,
            RunAt = validated.RunAt,
            TaskCount = validated.TaskCount,
            MaxAttempts = validated.MaxAttempts,
            FailureThreshold = validated.FailureThreshold,
            TimeoutSeconds = validated.TimeoutSeconds,
            Parameters = validated.Parameters,
            Priority = validated.Priority,
            TraceParent = TaskTracing.CurrentTraceParent(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        System.Diagnostics.Activity.Current?.SetTag(TaskTracing.TenantId, job.TenantId);
        return job;
    }

    /// <summary>What an Idempotency-Key replays: the job's 201 response as it stands (its task count known).</summary>
    internal static IdempotentRequest Remember(Job job, string key, string fingerprint) => new(
        key, fingerprint, StatusCodes.Status201Created, JsonSerializer.Serialize(Created(job), JsonSerializerOptions.Web));

    private static JobResponse Created(Job job) => job.ToResponse(new TaskCounts(job.TaskCount, 0, 0, 0, 0, 0, 0, 0));

    /// <summary>The response to a submission's outcome.</summary>
    /// <param name="notice">What the new job should be told (no live worker runs its type), or null.</param>
    private static Results<Created<JobResponse>, ContentHttpResult, ValidationProblem, ProblemHttpResult> Answer(
        SubmitOutcome outcome, Job job, string? notice, string idempotencyKey, HttpRequest request, JobServices services)
    {
        switch (outcome)
        {
            case SubmitOutcome.Created:
                System.Diagnostics.Activity.Current?.SetTag(TaskTracing.JobId, job.Id);
                services.Metrics.Submitted(job.Type, job.TaskCount);
                services.Logger.LogInformation("Job {JobId} submitted: {TaskCount} '{Type}' tasks", job.Id, job.TaskCount, job.Type);
                return TypedResults.Created($"/api/v1/jobs/{job.Id}", Created(job) with { Notice = notice });
            case SubmitOutcome.Replayed replayed:
                // The first response, as it was sent, so a client's retry cannot tell it apart.
                var replayedJob = JsonSerializer.Deserialize<JobResponse>(replayed.Body, JsonSerializerOptions.Web)!;
                System.Diagnostics.Activity.Current?.SetTag(TaskTracing.JobId, replayedJob.Id);
                request.HttpContext.Response.Headers.Location = $"/api/v1/jobs/{replayedJob.Id}";
                request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
                return TypedResults.Content(replayed.Body, "application/json", Encoding.UTF8, replayed.Status);

            case SubmitOutcome.KeyReused:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status422UnprocessableEntity,
                    title: "Idempotency-Key reused with a different request.",
                    detail: $"The key '{idempotencyKey}' was first used with another body. Use a new key for a new job.");

            case SubmitOutcome.InFlight:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "A request with this Idempotency-Key is in progress.",
                    detail: $"Another request with the key '{idempotencyKey}' has not finished. Retry after it does to get its job.");

            case SubmitOutcome.OverCap over:
                // Tasks finish by themselves; a retry after a while may fit.
                request.HttpContext.Response.Headers.RetryAfter = UnfinishedTasksRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many unfinished tasks.",
                    detail: $"The tenant has {over.InUse:N0} unfinished tasks and its limit (maxUnfinishedTasks) is {over.Limit:N0}; " +
                        $"this job's {job.TaskCount:N0} tasks do not fit. Wait for tasks to finish, or cancel jobs.",
                    extensions: new Dictionary<string, object?> { ["limit"] = "maxUnfinishedTasks", ["inUse"] = over.InUse, ["maximum"] = over.Limit, ["requested"] = job.TaskCount });

            default:
                throw new InvalidOperationException($"Unexpected submission outcome {outcome}.");
        }
    }

    /// <summary>The Retry-After of a submission refused for the cap on unfinished tasks.</summary>
    private const int UnfinishedTasksRetryAfterSeconds = 30;

    private sealed record ValidJob(string Name, string Type, int TaskCount, int MaxAttempts, int FailureThreshold, int? TimeoutSeconds, System.Text.Json.Nodes.JsonObject Parameters, short Priority, string Queue, RetryBackoff? RetryBackoff, DateTimeOffset? RunAt);

    /// <summary>
    /// Checks a job and its <c>inputs</c>; with <paramref name="streamed"/>, only the job itself (the
    /// first line of an NDJSON body): its inputs follow, through the returned check.
    /// </summary>
    /// <param name="registered">The type as a worker registered it (null when none has): its schema checks the inputs, and its attempts, queue and backoff are the defaults.</param>
    private static (ValidJob? Job, Dictionary<string, string[]> Errors, TaskInputCheck Check) Validate(SubmitJobRequest body, RegisteredTaskType? registered, DateTimeOffset now, bool streamed = false)
    {
        var errors = new Dictionary<string, string[]>();
        var runAt = RunAtOf(body, now, errors);

        var typeName = registered?.Name;
        const string Known = "GET /api/v1/task-types lists the types workers registered.";
        if (string.IsNullOrWhiteSpace(body.Type))
        {
            errors["type"] = [$"type is required. {Known}"];
        }
        else if (typeName is null)
        {
            errors["type"] = [$"Unknown task type '{body.Type}': no worker has registered it. {Known}"];
        }

        // With inputs, the task count follows them.
        var taskCount = body.Inputs?.Count ?? body.TaskCount;
        if (streamed)
        {
            if (body.TaskCount is not null || body.Inputs is not null)
            {
                errors[body.Inputs is null ? "taskCount" : "inputs"] = [NdjsonShape];
            }
        }
        else if (body.Inputs is { Count: < 1 or > JobLimits.MaxTaskCount })
        {
            errors["inputs"] = [$"inputs must hold 1 to {JobLimits.MaxTaskCount:N0} task inputs; it held {body.Inputs.Count:N0}."];
        }
        else if (body.Inputs is not null && body.TaskCount is { } count && count != body.Inputs.Count)
        {
            errors["taskCount"] = [$"taskCount ({count:N0}) does not match the {body.Inputs.Count:N0} inputs. Leave taskCount out when you send inputs."];
        }
        else if (body.TaskCount is null && body.Inputs is null)
        {
            errors["taskCount"] = [$"taskCount is required (or inputs, one per task): a number from 1 to {JobLimits.MaxTaskCount:N0}."];
        }
        else if (body.TaskCount is < 1 or > JobLimits.MaxTaskCount)
        {
            errors["taskCount"] = [$"taskCount must be from 1 to {JobLimits.MaxTaskCount:N0}; it was {body.TaskCount}."];
        }

        if (body.MaxAttempts is < 1 or > JobLimits.MaxMaxAttempts)
        {
            errors["maxAttempts"] = [$"maxAttempts must be from 1 to {JobLimits.MaxMaxAttempts}; it was {body.MaxAttempts}."];
        }

        // A streamed job's count is known at its last line, where its threshold is checked.
        if (body.FailureThreshold is < 0 || (!streamed && body.FailureThreshold > taskCount))
        {
            errors["failureThreshold"] = [FailureThresholdError(taskCount ?? 0, body.FailureThreshold)];
        }

        if (body.TimeoutSeconds is < 1 or > JobLimits.MaxTimeoutSeconds)
        {
            errors["timeoutSeconds"] = [$"timeoutSeconds must be from 1 to {JobLimits.MaxTimeoutSeconds:N0}; it was {body.TimeoutSeconds}."];
        }

        if (body.Priority is not null && JobPriority.RankOf(body.Priority) < 0)
        {
            errors["priority"] = [$"Unknown priority '{body.Priority}'. Use one of: {string.Join(", ", JobPriority.All)}."];
        }

        foreach (var (field, message) in body.RetryBackoff?.Problems("retryBackoff") ?? [])
        {
            errors[field] = [message];
        }
        // A field the job leaves out takes the type's; checked whole, since the two may not agree.
        var retryBackoff = (body.RetryBackoff ?? new RetryBackoff()).Over(registered?.RetryBackoff);
        if (body.RetryBackoff is not null && errors.Keys.All(k => !k.StartsWith("retryBackoff", StringComparison.Ordinal))
            && retryBackoff?.Problems("retryBackoff").FirstOrDefault() is { Field: { } backoffField, Message: { } backoffMessage })
        {
            errors[backoffField] = [$"{backoffMessage} (with the type's own backoff, {Data.RetryBackoffJson.Write(registered?.RetryBackoff)})"];
        }

        if (body.Queue is not null && !QueueNames.IsValid(body.Queue))
        {
            errors["queue"] = [$"'{body.Queue}' is not a queue. {QueueNames.Rule} Leave it out for the type's own queue."];
        }

        if (body.Name is { Length: > JobLimits.MaxNameLength })
        {
            errors["name"] = [$"name is at most {JobLimits.MaxNameLength} characters."];
        }
        else if (StoredText.HasNul(body.Name))
        {
            errors["name"] = [StoredText.NulError("name")];
        }
        if (StoredText.FindNul(body.Parameters, "parameters") is { } nul)
        {
            errors[nul] = [StoredText.NulError(nul)];
        }

        var parameters = (System.Text.Json.Nodes.JsonObject?)body.Parameters?.DeepClone() ?? [];
        if (registered is not null && body.Inputs is null && !streamed)
        {
            TaskInputCheck.CheckParametersAlone(registered, parameters, errors);
        }
        var check = new TaskInputCheck(registered, parameters);
        for (var i = 0; i < (body.Inputs?.Count ?? 0) && !check.Full; i++)
        {
            check.Check(body.Inputs![i], i, errors);
        }

        if (errors.Count > 0)
        {
            return (null, errors, check);
        }
        var name = string.IsNullOrWhiteSpace(body.Name) ? typeName! : body.Name.Trim();
        return (new ValidJob(name, typeName!, taskCount ?? 0, body.MaxAttempts ?? registered?.MaxAttempts ?? JobLimits.DefaultMaxAttempts, body.FailureThreshold ?? 0, body.TimeoutSeconds, parameters,
            (short)JobPriority.RankOf(body.Priority ?? JobPriority.Normal), body.Queue ?? registered?.Queue ?? QueueNames.Default, retryBackoff, runAt), errors, check);
    }

    /// <summary>When a delayed job runs: its runAt, or now plus its delay; null when it runs at once (neither given, or a time already past).</summary>
    private static DateTimeOffset? RunAtOf(SubmitJobRequest body, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        var limit = $"at most {JobLimits.MaxStartDelay.TotalDays:0} days ahead";
        if (body.RunAt is not null && body.Delay is not null)
        {
            errors["delay"] = ["Give runAt (an instant) or delay (a duration), not both."];
            return null;
        }
        if (body.Delay is { } delay && (delay < TimeSpan.Zero || delay > JobLimits.MaxStartDelay))
        {
            errors["delay"] = [$"delay must be from 00:00:00 to {JobLimits.MaxStartDelay.TotalDays:0}.00:00:00 ({limit}); it was {delay}."];
            return null;
        }
        var runAt = body.RunAt ?? (body.Delay is { } wait ? now + wait : null);
        if (runAt > now + JobLimits.MaxStartDelay)
        {
            errors["runAt"] = [$"runAt must be {limit}; it was {runAt:O}."];
            return null;
        }
        // Whole milliseconds, so the runAt a job is answered with is the one it is stored and read back with.
        return runAt > now ? DateTimeOffset.FromUnixTimeMilliseconds(runAt.Value.ToUnixTimeMilliseconds()) : null;
    }

    /// <summary>What an NDJSON body is: the job on its first line, then one input per line.</summary>
    private const string NdjsonShape =
        "In an NDJSON body the first line is the job without taskCount or inputs, and each line after it is one task's input (a JSON object); the task count follows the lines.";

    private static string FailureThresholdError(int taskCount, int? threshold) =>
        $"failureThreshold must be from 0 to the task count ({taskCount}); it was {threshold}.";

    // Same key and "same body" means the same job request, whatever the whitespace.
    internal static string Fingerprint(SubmitJobRequest body) =>
        Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web)));

    private static ProblemHttpResult TooLarge(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge, title: "The request is too large.", detail: detail);
}
