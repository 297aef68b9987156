using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;

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

    /// <summary>
    /// The JSON Schema of <typeparamref name="TInput"/> as <see cref="ReadInput{TInput}"/> reads it,
    /// from System.Text.Json's exporter: properties in camelCase, required ones as the type requires
    /// them (a constructor parameter without a default), and a property's <c>[Description]</c> and
    /// <c>[Range]</c> as <c>description</c>, <c>minimum</c> and <c>maximum</c>; an object has no
    /// properties but its own (<c>additionalProperties: false</c>). A handler that takes
    /// <see cref="JsonObject"/> (or <see cref="JsonNode"/>) accepts any object.
    /// </summary>
    public static JsonObject SchemaOf<TInput>()
    {
        if (typeof(TInput) == typeof(JsonObject) || typeof(TInput) == typeof(JsonNode))
        {
            return new JsonObject { ["type"] = "object" };
        }
        var schema = JsonSerializerOptions.Web.GetJsonSchemaAsNode(typeof(TInput), new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = Annotate,
        });
        return schema as JsonObject ?? new JsonObject { ["type"] = "object" };
    }

    private static JsonNode Annotate(JsonSchemaExporterContext context, JsonNode schema)
    {
        if (schema is not JsonObject node)
        {
            return schema;
        }
        // A field the type does not have is a mistake the Api refuses at submission (a misspelt
        // optional field would otherwise silently fall back to its default).
        if (context.TypeInfo.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object && !node.ContainsKey("additionalProperties"))
        {
            node["additionalProperties"] = false;
        }
        var attributes = context.PropertyInfo?.AttributeProvider ?? (context.PropertyInfo is null ? context.TypeInfo.Type : null);
        if (attributes?.GetCustomAttributes(typeof(System.ComponentModel.DescriptionAttribute), inherit: true)
                .OfType<System.ComponentModel.DescriptionAttribute>().FirstOrDefault() is { Description: { Length: > 0 } description })
        {
            node.Insert(0, "description", description);
        }
        if (context.PropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(System.ComponentModel.DataAnnotations.RangeAttribute), inherit: true)
                .OfType<System.ComponentModel.DataAnnotations.RangeAttribute>().FirstOrDefault() is { } range)
        {
            node["minimum"] = JsonValue.Create(Convert.ToDouble(range.Minimum, System.Globalization.CultureInfo.InvariantCulture));
            node["maximum"] = JsonValue.Create(Convert.ToDouble(range.Maximum, System.Globalization.CultureInfo.InvariantCulture));
        }
        return node;
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
