using System.Text.Json;
using System.Text.Json.Nodes;

namespace JobPlatform.Worker.Sdk.Handlers;

/// <summary>How a task's JSON input becomes a handler's typed input, and its typed result JSON again (<c>JsonSerializerOptions.Web</c>).</summary>
internal static class TaskJson
{
    /// <summary>
    /// The input as <typeparamref name="TInput"/>. A handler that takes <see cref="JsonObject"/> (or
    /// <see cref="JsonNode"/>) gets it as it came. An input that cannot be read throws
    /// <see cref="NonRetryableTaskException"/> naming the field: no retry changes the input.
    /// </summary>
    public static TInput ReadInput<TInput>(JsonObject input)
    {
        if (input is TInput asItCame)
        {
            return asItCame;
        }
        try
        {
            // A JSON object never reads as null.
            return input.Deserialize<TInput>(JsonSerializerOptions.Web)!;
        }
        catch (JsonException ex)
        {
            throw new NonRetryableTaskException(InputError(ex), ex);
        }
    }

    /// <summary>The result as JSON: null stays null, a JSON node goes as it is.</summary>
    public static JsonNode? WriteResult<TResult>(TResult result) => result switch
    {
        null => null,
        JsonNode node => node.Parent is null ? node : node.DeepClone(),
        _ => JsonSerializer.SerializeToNode(result, JsonSerializerOptions.Web),
    };

    /// <summary>The error of an input that cannot be read: the field (from the serializer's path) and the problem.</summary>
    internal static string InputError(JsonException error)
    {
        // The serializer's message ends with where it stopped (" Path: $.ms | LineNumber: 0 | ..."),
        // positions in a text nobody sent; the field is named once, from Path.
        var at = error.Message.IndexOf(" Path: ", StringComparison.Ordinal);
        var problem = at < 0 ? error.Message : error.Message[..at];
        var field = error.Path is { Length: > 1 } path ? path.TrimStart('$').TrimStart('.') : null;
        return field is null
            ? $"The task's input cannot be read: {problem}"
            : $"The task's input field '{field}' cannot be read: {problem}";
    }
}
