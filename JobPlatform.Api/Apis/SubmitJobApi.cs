using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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
        HttpRequest request, [AsParameters] JobServices services, CancellationToken ct)
    {
        SubmitJobRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<SubmitJobRequest>(Json, ct);
        }
        catch (JsonException ex)
        {
            // System.Text.Json names the path of an unknown field or a value of the wrong type; anything
            // else is broken JSON.
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            var where = $"line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}";
            var message = field == "body"
                ? $"The body is not a JSON job object ({where})."
                : !Fields.Contains(field.Split('.', '[')[0])
                    ? $"{field} is not a field of a job. The fields are: {string.Join(", ", Fields.Order())}."
                    : $"{field} has the wrong type ({where}). See the API reference at /openapi/v1.json.";
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { [field] = [message] },
                title: "The request body could not be read.");
        }
        catch (InvalidOperationException) when (!request.HasJsonContentType())
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported content type.",
                detail: "Send the job as JSON with 'Content-Type: application/json'.");
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
        // Each input is stored as the JSON text measured here.
        var inputs = body.Inputs?.Select(input => input?.ToJsonString()!).ToArray();
        for (var i = 0; i < (inputs?.Length ?? 0); i++)
        {
            var inputBytes = inputs![i] is null ? 0 : Encoding.UTF8.GetByteCount(inputs[i]);
            if (inputBytes > JobLimits.MaxInputBytes)
            {
                return TooLarge($"inputs[{i}] is {inputBytes:N0} bytes; the limit is {JobLimits.MaxInputBytes:N0}.");
            }
        }

        var (validated, errors) = Validate(body);
        var idempotencyKey = request.Headers[JobsApi.IdempotencyKeyHeader].ToString();
        if (idempotencyKey.Length > JobLimits.MaxIdempotencyKeyLength)
        {
            errors[JobsApi.IdempotencyKeyHeader] = [$"The {JobsApi.IdempotencyKeyHeader} header is at most {JobLimits.MaxIdempotencyKeyLength} characters."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The job is not valid.");
        }

        var now = services.Clock.GetUtcNow();
        var job = new Job
        {
            Id = Guid.CreateVersion7(now),
            TenantId = services.Tenant.RequiredId,
            Name = validated!.Name,
            Type = validated.Type,
            Status = JobStatus.Pending,
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
        var response = job.ToResponse(new TaskCounts(job.TaskCount, 0, 0, 0, 0, 0, 0, 0));
        var location = $"/api/v1/jobs/{job.Id}";

        IdempotentRequest? idempotency = null;
        if (idempotencyKey.Length > 0)
        {
            idempotency = new IdempotentRequest(
                idempotencyKey,
                Fingerprint(body),
                StatusCodes.Status201Created,
                JsonSerializer.Serialize(response, JsonSerializerOptions.Web));
        }

        var outcome = await services.Submission.SubmitAsync(job, inputs, idempotency, ct);
        switch (outcome)
        {
            case SubmitOutcome.Created:
                System.Diagnostics.Activity.Current?.SetTag(TaskTracing.JobId, job.Id);
                services.Metrics.Submitted(job.Type, job.TaskCount);
                services.Logger.LogInformation("Job {JobId} submitted: {TaskCount} '{Type}' tasks", job.Id, job.TaskCount, job.Type);
                return TypedResults.Created(location, response);

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

    private sealed record ValidJob(string Name, string Type, int TaskCount, int MaxAttempts, int FailureThreshold, int? TimeoutSeconds, System.Text.Json.Nodes.JsonObject Parameters, short Priority);

    private static (ValidJob? Job, Dictionary<string, string[]> Errors) Validate(SubmitJobRequest body)
    {
        var errors = new Dictionary<string, string[]>();

        var type = TaskTypes.Find(body.Type);
        if (string.IsNullOrWhiteSpace(body.Type))
        {
            errors["type"] = [$"type is required. Use one of: {string.Join(", ", TaskTypes.All.Select(t => t.Name))}."];
        }
        else if (type is null)
        {
            errors["type"] = [$"Unknown task type '{body.Type}'. Use one of: {string.Join(", ", TaskTypes.All.Select(t => t.Name))}."];
        }

        // With inputs, the task count follows them.
        var taskCount = body.Inputs?.Count ?? body.TaskCount;
        if (body.Inputs is { Count: < 1 or > JobLimits.MaxTaskCount })
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

        if (body.FailureThreshold is < 0 || body.FailureThreshold > taskCount)
        {
            errors["failureThreshold"] = [$"failureThreshold must be from 0 to the task count ({taskCount}); it was {body.FailureThreshold}."];
        }

        if (body.TimeoutSeconds is < 1 or > JobLimits.MaxTimeoutSeconds)
        {
            errors["timeoutSeconds"] = [$"timeoutSeconds must be from 1 to {JobLimits.MaxTimeoutSeconds:N0}; it was {body.TimeoutSeconds}."];
        }

        if (body.Priority is not null && JobPriority.RankOf(body.Priority) < 0)
        {
            errors["priority"] = [$"Unknown priority '{body.Priority}'. Use one of: {string.Join(", ", JobPriority.All)}."];
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

        var parameters = new System.Text.Json.Nodes.JsonObject();
        if (type is not null)
        {
            var (normalized, parameterErrors) = TaskTypes.Normalize(type, body.Parameters);
            parameters = normalized;
            foreach (var (key, messages) in parameterErrors)
            {
                errors[key] = messages;
            }
            ValidateInputs(type, parameters, body.Inputs ?? [], errors);
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var name = string.IsNullOrWhiteSpace(body.Name) ? type!.Name : body.Name.Trim();
        return (new ValidJob(name, type!.Name, taskCount!.Value, body.MaxAttempts ?? JobLimits.DefaultMaxAttempts, body.FailureThreshold ?? 0, body.TimeoutSeconds, parameters,
            (short)JobPriority.RankOf(body.Priority ?? JobPriority.Normal)), errors);
    }

    /// <summary>How many inputs a refusal names at most; a 100,000-task job with one mistake throughout gets a short answer.</summary>
    private const int MaxInputErrors = 20;

    /// <summary>
    /// Checks each task's input as the task will run it: the job's parameters overlaid with the input,
    /// against the type's parameters. A problem is keyed by the input's field (<c>inputs[3].ms</c>).
    /// </summary>
    private static void ValidateInputs(TaskTypeDefinition type, System.Text.Json.Nodes.JsonObject parameters,
        IReadOnlyList<System.Text.Json.Nodes.JsonObject?> inputs, Dictionary<string, string[]> errors)
    {
        var listed = 0;
        for (var i = 0; i < inputs.Count && listed < MaxInputErrors; i++)
        {
            var before = errors.Count;
            var field = $"inputs[{i}]";
            if (inputs[i] is not { } input)
            {
                errors[field] = [$"{field} must be a JSON object of the task's own parameters, for example {{}}."];
            }
            else if (StoredText.FindNul(input, field) is { } nul)
            {
                errors[nul] = [StoredText.NulError(nul)];
            }
            else if (!type.AcceptsAnyParameters && input.FirstOrDefault(p => p.Value is null) is { Key: { } empty })
            {
                // The input overlays the job's parameters as it is: a null would replace the value, not fall back to it.
                errors[$"{field}.{empty}"] = [$"{field}.{empty} is null. Leave it out to use the job's parameter or the type's default."];
            }
            else
            {
                var runs = (System.Text.Json.Nodes.JsonObject)parameters.DeepClone();
                foreach (var (name, value) in input)
                {
                    runs[name] = value?.DeepClone();
                }
                foreach (var (key, messages) in TaskTypes.Normalize(type, runs).Errors)
                {
                    var name = key["parameters.".Length..];
                    if (input.ContainsKey(name))
                    {
                        errors[$"{field}.{name}"] = messages;
                    }
                }
            }
            listed += errors.Count > before ? 1 : 0;
        }
    }

    // Same key and "same body" means the same job request, whatever the whitespace.
    private static string Fingerprint(SubmitJobRequest body) =>
        Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web)));

    private static ProblemHttpResult TooLarge(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge, title: "The request is too large.", detail: detail);
}
