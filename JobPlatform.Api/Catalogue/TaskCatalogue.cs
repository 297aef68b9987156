using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using JobPlatform.Api.Apis;
using JobPlatform.Contracts;
using Npgsql;

namespace JobPlatform.Api.Catalogue;

/// <summary>
/// The task types the workers registered, each with the JSON Schema of its input, kept in
/// PostgreSQL (<c>task_types</c>); which replicas run each comes from their presence
/// (<c>workers.task_types</c>). A submission of a registered type is checked against its schema.
/// </summary>
public sealed class TaskCatalogue(NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>How long a looked-up type is reused: a schema a worker changes applies within this.</summary>
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    /// <summary>The most types one worker may register.</summary>
    public const int MaxTypes = 200;

    /// <summary>The largest input schema, in characters of JSON.</summary>
    public const int MaxSchemaLength = 64 * 1024;

    private readonly ConcurrentDictionary<string, (RegisteredTaskType? Type, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    /// <summary>
    /// Records the types <paramref name="workerId"/> runs, each with its schema (the last worker to
    /// register a type sets its schema). Returns the problems found, keyed by field, without storing
    /// anything when there are any.
    /// </summary>
    public async Task<Dictionary<string, string[]>> RegisterAsync(string workerId, IReadOnlyList<TaskTypeRegistration>? types, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (types is not { Count: > 0 and <= MaxTypes })
        {
            errors["types"] = [$"types must hold 1 to {MaxTypes} task types."];
            return errors;
        }
        var texts = new string[types.Count];
        for (var i = 0; i < types.Count; i++)
        {
            var type = types[i];
            if (!TaskTypeNames.IsValid(type?.Name))
            {
                errors[$"types[{i}].name"] = [$"A task type's name is 1 to {TaskTypeNames.MaxLength} lower-case letters, digits, '.', '_' or '-', starting with a letter or digit."];
                continue;
            }
            if (types.Take(i).Any(t => t?.Name == type!.Name))
            {
                errors[$"types[{i}].name"] = [$"'{type!.Name}' is registered twice."];
                continue;
            }
            if (type!.MaxAttempts is < 1 or > JobLimits.MaxMaxAttempts)
            {
                errors[$"types[{i}].maxAttempts"] = [$"maxAttempts must be from 1 to {JobLimits.MaxMaxAttempts}; it was {type.MaxAttempts}."];
            }
            foreach (var (field, message) in type.RetryBackoff?.Problems($"types[{i}].retryBackoff") ?? [])
            {
                errors[field] = [message];
            }
            if (type.Queue is not null && !QueueNames.IsValid(type.Queue))
            {
                errors[$"types[{i}].queue"] = [$"'{type.Queue}' is not a queue. {QueueNames.Rule}"];
            }
            if (type.Description is { Length: > JobLimits.MaxNameLength * 4 })
            {
                errors[$"types[{i}].description"] = [$"A description is at most {JobLimits.MaxNameLength * 4} characters."];
            }
            texts[i] = type.InputSchema?.ToJsonString() ?? "";
            if (type.InputSchema is null || texts[i].Length > MaxSchemaLength)
            {
                errors[$"types[{i}].inputSchema"] = [$"inputSchema is required: a JSON Schema of at most {MaxSchemaLength:N0} characters."];
            }
            else if (Parse(texts[i]) is { Error: { } error })
            {
                errors[$"types[{i}].inputSchema"] = [$"inputSchema is not a JSON Schema: {error}"];
            }
        }
        if (errors.Count > 0)
        {
            return errors;
        }

        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO task_types (name, description, input_schema, max_attempts, queue, retry_backoff, registered_by, registered_at)
            SELECT name, description, schema::jsonb, max_attempts, queue, backoff::jsonb, @worker, now()
            FROM unnest(@names, @descriptions, @schemas, @maxAttempts, @queues, @backoffs) AS r(name, description, schema, max_attempts, queue, backoff)
            ON CONFLICT (name) DO UPDATE SET description = excluded.description, input_schema = excluded.input_schema,
                max_attempts = excluded.max_attempts, queue = excluded.queue, retry_backoff = excluded.retry_backoff,
                registered_by = excluded.registered_by, registered_at = excluded.registered_at
            WHERE (task_types.input_schema, task_types.description, task_types.max_attempts, task_types.queue, task_types.retry_backoff)
                IS DISTINCT FROM (excluded.input_schema, excluded.description, excluded.max_attempts, excluded.queue, excluded.retry_backoff)
            """);
        command.Parameters.AddWithValue("worker", workerId);
        command.Parameters.AddWithValue("names", types.Select(t => t.Name).ToArray());
        command.Parameters.Add(new NpgsqlParameter<string?[]>("descriptions", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = types.Select(t => t.Description).ToArray() });
        command.Parameters.AddWithValue("schemas", texts);
        command.Parameters.Add(new NpgsqlParameter<int?[]>("maxAttempts", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Integer) { TypedValue = types.Select(t => t.MaxAttempts).ToArray() });
        command.Parameters.AddWithValue("queues", types.Select(t => t.Queue ?? QueueNames.Default).ToArray());
        command.Parameters.Add(new NpgsqlParameter<string?[]>("backoffs", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text)
        {
            TypedValue = types.Select(t => Data.RetryBackoffJson.Write(t.RetryBackoff is { IsEmpty: false } backoff ? backoff : null)).ToArray(),
        });
        await command.ExecuteNonQueryAsync(ct);
        foreach (var type in types)
        {
            _cache.TryRemove(type.Name, out _);
        }
        return errors;
    }

    /// <summary>A registered type, or null when no worker ever registered it.</summary>
    public async Task<RegisteredTaskType?> FindAsync(string name, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(name, out var cached) && cached.Until > now)
        {
            return cached.Type;
        }
        await using var command = dataSource.CreateCommand("SELECT description, input_schema::text, max_attempts, queue, retry_backoff::text FROM task_types WHERE name = @name");
        command.Parameters.AddWithValue("name", name);
        RegisteredTaskType? type = null;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                var (description, text, maxAttempts, queue) = (reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? (int?)null : reader.GetInt32(2), reader.GetString(3));
                var backoff = Data.RetryBackoffJson.Read(reader.IsDBNull(4) ? null : reader.GetString(4));
                // The schema is read again only when it changed.
                type = cached.Type is { } known && known.SchemaText == text
                    ? known with { Description = description, MaxAttempts = maxAttempts, Queue = queue, RetryBackoff = backoff }
                    : Parse(text) is { Schema: { } schema } ? new RegisteredTaskType(name, description, schema, text, maxAttempts, queue, backoff) : null;
            }
        }
        _cache[name] = (type, now + CacheFor);
        return type;
    }

    /// <summary>
    /// What an unfinished job of <paramref name="type"/> on <paramref name="queue"/> should be told:
    /// that its tasks wait because no live worker receives from the queue, or because one that does
    /// lacks the type (a queue is sent only the types all its live workers run); null when they go.
    /// </summary>
    public async Task<string?> NoticeForAsync(string type, string queue, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH live AS (SELECT id, queues, task_types FROM workers WHERE stopped_at IS NULL AND last_heartbeat_at > @liveSince),
            on_queue AS (SELECT id, task_types FROM live WHERE @queue = ANY(queues) OR (cardinality(queues) = 0 AND @queue = @default))
            SELECT (SELECT count(*) FROM live) > 0,
                   (SELECT count(*) FROM on_queue),
                   -- A worker that does not say which types it runs is taken to run them all.
                   (SELECT min(id) FROM on_queue WHERE cardinality(task_types) > 0 AND NOT @type = ANY(task_types))
            """);
        command.Parameters.AddWithValue("liveSince", clock.GetUtcNow() - WorkersApi.GoneAfter);
        command.Parameters.AddWithValue("type", type);
        command.Parameters.AddWithValue("queue", queue);
        command.Parameters.AddWithValue("default", QueueNames.Default);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        if (!reader.GetBoolean(0))
        {
            // No worker is live yet: every task goes.
            return null;
        }
        const string See = "GET /api/v1/task-types shows who runs what";
        if (reader.GetInt64(1) == 0)
        {
            return $"No live worker receives from queue '{queue}' now: the job's '{type}' tasks wait until one starts ({See}).";
        }
        return reader.IsDBNull(2)
            ? null
            : $"Worker {reader.GetString(2)} receives from queue '{queue}' but does not run '{type}': the job's tasks wait until every live worker on the queue runs it, so that none receives a task it cannot run ({See}).";
    }

    /// <summary>
    /// Every type a job can have (those a worker registered), each with the replicas that run it now
    /// and when one was last seen.
    /// </summary>
    public async Task<IReadOnlyList<TaskTypeResponse>> ListAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(
            """
            SELECT coalesce(t.name, w.name), t.description, t.input_schema::text, w.workers, w.last_seen_at, w.live, t.max_attempts, t.queue, t.retry_backoff::text
            FROM task_types t
            FULL JOIN (
                SELECT name, array_agg(id ORDER BY id) FILTER (WHERE live) AS workers, max(last_heartbeat_at) AS last_seen_at, bool_or(live) AS live
                FROM (SELECT id, unnest(task_types) AS name, last_heartbeat_at,
                             stopped_at IS NULL AND last_heartbeat_at > @liveSince AS live
                      FROM workers) seen
                GROUP BY name
            ) w ON w.name = t.name
            ORDER BY 1
            """);
        command.Parameters.AddWithValue("liveSince", now - WorkersApi.GoneAfter);
        var rows = new Dictionary<string, (string? Description, JsonObject? Schema, string[] Workers, DateTimeOffset? LastSeen, bool Live, int? MaxAttempts, string? Queue, RetryBackoff? Backoff)>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rows[reader.GetString(0)] = (
                    reader.IsDBNull(1) ? null : reader.GetString(1),
                    reader.IsDBNull(2) ? null : JsonNode.Parse(reader.GetString(2)) as JsonObject,
                    reader.IsDBNull(3) ? [] : reader.GetFieldValue<string[]>(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                    !reader.IsDBNull(5) && reader.GetBoolean(5),
                    reader.IsDBNull(6) ? null : reader.GetInt32(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7),
                    Data.RetryBackoffJson.Read(reader.IsDBNull(8) ? null : reader.GetString(8)));
            }
        }

        return rows.Where(r => r.Value.Schema is not null)
            .Select(r => new TaskTypeResponse(r.Key, r.Value.Description ?? "", r.Value.Schema!, r.Value.Workers, r.Value.LastSeen, r.Value.Live,
                r.Value.MaxAttempts ?? JobLimits.DefaultMaxAttempts, r.Value.Queue ?? QueueNames.Default, r.Value.Backoff))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
    }

    private static (JsonSchema? Schema, string? Error) Parse(string text)
    {
        try
        {
            // A registry of its own: the global one would keep every schema ever read.
            return (JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() }), null);
        }
        catch (Exception ex) when (ex is JsonSchemaException or RefResolutionException or JsonException or ArgumentException or InvalidOperationException or NotSupportedException or FormatException)
        {
            return (null, ex.Message);
        }
    }
}

/// <summary>A task type a worker registered, with its input schema ready to check inputs against.</summary>
public sealed record RegisteredTaskType(string Name, string? Description, JsonSchema Schema, string SchemaText, int? MaxAttempts, string Queue, RetryBackoff? RetryBackoff)
{
    /// <summary>
    /// Whether the schema takes any object (<c>{"type": "object"}</c>, a handler of <c>JsonObject</c>):
    /// then a null field is a value the handler gets, not a field left unset by mistake.
    /// </summary>
    public bool AcceptsAnyFields { get; } = JsonNode.Parse(SchemaText) is JsonObject { Count: 1 } only && only["type"] is JsonValue type && type.ToString() == "object";

    /// <summary>
    /// The problems of <paramref name="input"/> against the schema, each as the field it is about
    /// (<c>text</c>, <c>items.3</c>; empty for the input as a whole) and a message.
    /// </summary>
    public IReadOnlyList<(string Field, string Message)> Check(JsonObject input)
    {
        var results = Schema.Evaluate(JsonSerializer.SerializeToElement(input), new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }
        return (results.Details ?? [results])
            .Where(d => !d.IsValid && d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Values.Select(message => (Field: Field(d.InstanceLocation.ToString()), Message(d, message))))
            .Distinct()
            .ToList();
    }

    /// <summary>
    /// The validator's message, except for a field the schema does not have (it fails the
    /// <c>additionalProperties: false</c> subschema, whose own message names no field).
    /// </summary>
    private string Message(EvaluationResults result, string message) =>
        result.EvaluationPath.ToString().EndsWith("/additionalProperties", StringComparison.Ordinal)
            ? $"'{Field(result.InstanceLocation.ToString())}' is not a field of '{Name}': GET /api/v1/task-types shows its input schema."
            : message;

    /// <summary>A JSON Pointer (<c>/items/3</c>) as a field path (<c>items.3</c>).</summary>
    private static string Field(string pointer) =>
        string.Join('.', pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Replace("~1", "/").Replace("~0", "~")));
}
