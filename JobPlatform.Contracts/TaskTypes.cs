using System.Text.Json;
using System.Text.Json.Nodes;

namespace JobPlatform.Contracts;

/// <summary>A parameter a task type accepts: its JSON kind, bounds and default.</summary>
public sealed record TaskParameter(string Name, TaskParameterKind Kind, double Min, double Max, JsonNode? Default, string Help);

public enum TaskParameterKind
{
    Integer,
    Number,
    IntegerArray,
}

/// <summary>A built-in task type: what the Api accepts at submission and a worker knows how to run.</summary>
public sealed record TaskTypeDefinition(string Name, string Description, IReadOnlyList<TaskParameter> Parameters, bool AcceptsAnyParameters = false);

/// <summary>
/// The closed set of task types JobPlatform ships. The Api rejects any other type at submission, so a
/// task whose handler no worker has can never be created.
/// </summary>
public static class TaskTypes
{
    public const string Noop = "noop";
    public const string Echo = "echo";
    public const string Sleep = "sleep";
    public const string Cpu = "cpu";
    public const string Matrix = "matrix";
    public const string Fail = "fail";
    public const string Crash = "crash";

    public static IReadOnlyList<TaskTypeDefinition> All { get; } =
    [
        new(Noop, "Does nothing. Measures the platform itself.", []),
        new(Echo, "Returns its parameters as the task's result.", [], AcceptsAnyParameters: true),
        new(Sleep, "Waits, without using the CPU: an I/O-bound task.",
        [
            new("ms", TaskParameterKind.Integer, 0, 3_600_000, 100, "How long to wait, in milliseconds."),
        ]),
        new(Cpu, "Hashes a buffer with SHA-256 over and over: a CPU-bound task.",
        [
            new("iterations", TaskParameterKind.Integer, 1, 100_000_000, 10_000, "How many SHA-256 rounds to run."),
        ]),
        new(Matrix, "Multiplies two random N x N matrices and reports a checksum.",
        [
            new("size", TaskParameterKind.Integer, 1, 1_000, 64, "N, the side of each matrix."),
            new("seed", TaskParameterKind.Integer, 0, int.MaxValue, 42, "Seed for the random values, so results repeat."),
        ]),
        new(Fail, "Fails on purpose: with a probability, or on the given attempts. For demos and tests.",
        [
            new("probability", TaskParameterKind.Number, 0, 1, 1.0, "Chance that an attempt fails, 0 to 1."),
            new("failOnAttempts", TaskParameterKind.IntegerArray, 1, JobLimits.MaxMaxAttempts, null,
                "When given, exactly these attempt numbers fail (1 is the first) and probability is ignored."),
        ]),
        new(Crash, "Kills the worker process that runs it, the way a poison task would. Only workers with Worker:AllowCrashTasks run it (the AppHost's do); others fail it for good.", []),
    ];

    public static TaskTypeDefinition? Find(string? name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));

    /// <summary>
    /// Checks <paramref name="parameters"/> against the type and returns them with defaults filled in,
    /// or the problems found, keyed by field path (<c>parameters.ms</c>).
    /// </summary>
    public static (JsonObject Parameters, Dictionary<string, string[]> Errors) Normalize(TaskTypeDefinition type, JsonObject? parameters)
    {
        var errors = new Dictionary<string, string[]>();
        var result = new JsonObject();
        parameters ??= [];

        if (type.AcceptsAnyParameters)
        {
            return ((JsonObject)parameters.DeepClone(), errors);
        }

        foreach (var (name, _) in parameters)
        {
            if (type.Parameters.All(p => p.Name != name))
            {
                var known = type.Parameters.Count == 0 ? "none" : string.Join(", ", type.Parameters.Select(p => p.Name));
                errors[$"parameters.{name}"] = [$"'{type.Name}' has no parameter '{name}'. Known parameters: {known}."];
            }
        }

        foreach (var parameter in type.Parameters)
        {
            var key = $"parameters.{parameter.Name}";
            var value = parameters[parameter.Name];
            if (value is null)
            {
                if (parameter.Default is not null)
                {
                    result[parameter.Name] = parameter.Default.DeepClone();
                }
                continue;
            }

            var error = parameter.Kind switch
            {
                TaskParameterKind.IntegerArray => CheckArray(parameter, value),
                _ => CheckNumber(parameter, value),
            };
            if (error is null)
            {
                result[parameter.Name] = value.DeepClone();
            }
            else
            {
                errors[key] = [error];
            }
        }

        return (result, errors);
    }

    private static string? CheckNumber(TaskParameter parameter, JsonNode value)
    {
        // Parsing the JSON text reads a number however the node holds it (a JsonElement from a
        // request body, or an int or double built in code).
        if (value is not JsonValue json || json.GetValueKind() != JsonValueKind.Number
            || !double.TryParse(json.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            return $"{parameter.Name} must be a number.";
        }
        if (parameter.Kind == TaskParameterKind.Integer && number != Math.Floor(number))
        {
            return $"{parameter.Name} must be a whole number.";
        }
        if (number < parameter.Min || number > parameter.Max)
        {
            return $"{parameter.Name} must be between {parameter.Min} and {parameter.Max}; it was {number}.";
        }
        return null;
    }

    private static string? CheckArray(TaskParameter parameter, JsonNode value)
    {
        if (value is not JsonArray array)
        {
            return $"{parameter.Name} must be an array of whole numbers.";
        }
        foreach (var item in array)
        {
            if (item is null || CheckNumber(parameter with { Kind = TaskParameterKind.Integer }, item) is { } error)
            {
                return $"{parameter.Name} must hold whole numbers between {parameter.Min} and {parameter.Max}.";
            }
        }
        return null;
    }
}
