using System.Text.Json.Nodes;
using JobPlatform.Api.Catalogue;
using JobPlatform.Contracts;

namespace JobPlatform.Api.Apis;

/// <summary>
/// Checks each task's input as its task will run it: the job's parameters overlaid with the input,
/// against the registered type's schema. A problem is keyed by the
/// input's field (<c>inputs[3].ms</c>), or by the parameter's when the input does not set it. One
/// check serves a job's <c>inputs</c> array and its NDJSON lines alike.
/// </summary>
internal sealed class TaskInputCheck(RegisteredTaskType? registered, JsonObject parameters)
{
    /// <summary>How many inputs a refusal names at most; a 100,000-task job with one mistake throughout gets a short answer.</summary>
    public const int MaxListed = 20;

    /// <summary>How many inputs had problems.</summary>
    public int Refused { get; private set; }

    /// <summary>Whether enough inputs were refused that the rest need not be read.</summary>
    public bool Full => Refused >= MaxListed;

    /// <summary>Checks the input of task <paramref name="index"/>; false, with its problems added to <paramref name="errors"/>, when it is bad.</summary>
    public bool Check(JsonObject? input, int index, Dictionary<string, string[]> errors)
    {
        var field = $"inputs[{index}]";
        var good = CheckShape(input, field, errors, nullsAllowed: registered?.AcceptsAnyFields == true)
            && (registered is null || CheckSchema(registered, input!, field, errors));
        Refused += good ? 0 : 1;
        return good;
    }

    /// <summary>
    /// The parameters of a registered type's job without inputs, which are then every task's input;
    /// false with the problems added (<c>parameters.rounds</c>).
    /// </summary>
    public static bool CheckParametersAlone(RegisteredTaskType registered, JsonObject parameters, Dictionary<string, string[]> errors)
    {
        var problems = registered.Check(parameters);
        foreach (var (path, message) in problems)
        {
            Add(errors, path.Length == 0 ? "parameters" : $"parameters.{path}", message);
        }
        return problems.Count == 0;
    }

    private bool CheckSchema(RegisteredTaskType type, JsonObject input, string field, Dictionary<string, string[]> errors)
    {
        var problems = type.Check(Overlay(input));
        foreach (var (path, message) in problems)
        {
            var top = path.Split('.')[0];
            Add(errors, path.Length == 0 ? field : input.ContainsKey(top) ? $"{field}.{path}" : $"parameters.{path}", message);
        }
        return problems.Count == 0;
    }

    /// <summary>
    /// Whether the input is a JSON object a task can run on; else false with the problem added: not an
    /// object, a NUL in its text, or a null field (unless <paramref name="nullsAllowed"/>).
    /// </summary>
    private static bool CheckShape(JsonObject? input, string field, Dictionary<string, string[]> errors, bool nullsAllowed)
    {
        if (input is null)
        {
            errors[field] = [$"{field} must be a JSON object of the task's own parameters, for example {{}}."];
        }
        else if (StoredText.FindNul(input, field) is { } nul)
        {
            errors[nul] = [StoredText.NulError(nul)];
        }
        else if (!nullsAllowed && input.FirstOrDefault(p => p.Value is null) is { Key: { } empty })
        {
            // The input overlays the job's parameters as it is: a null would replace the value, not fall back to it.
            errors[$"{field}.{empty}"] = [$"{field}.{empty} is null. Leave it out to use the job's parameter or the type's default."];
        }
        else
        {
            return true;
        }
        return false;
    }

    /// <summary>What a task runs on: the job's parameters overlaid with its own input.</summary>
    private JsonObject Overlay(JsonObject input)
    {
        var runs = (JsonObject)parameters.DeepClone();
        foreach (var (name, value) in input)
        {
            runs[name] = value?.DeepClone();
        }
        return runs;
    }

    /// <summary>Adds a message to a field's, once: many inputs may share a problem of the job's parameters.</summary>
    private static void Add(Dictionary<string, string[]> errors, string field, string message) =>
        errors[field] = errors.TryGetValue(field, out var messages) ? messages.Contains(message) ? messages : [.. messages, message] : [message];
}
