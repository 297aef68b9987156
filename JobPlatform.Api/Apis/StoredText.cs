using System.Text.Json.Nodes;

namespace JobPlatform.Api.Apis;

/// <summary>
/// PostgreSQL's text and jsonb cannot hold the NUL character (U+0000). Every string a client sends
/// to be stored is checked here first, so a NUL is a 400 naming the field instead of a failed insert.
/// </summary>
public static class StoredText
{
    public static bool HasNul(string? value) => value?.Contains('\0') == true;

    /// <summary>The message for a field that holds a NUL.</summary>
    public static string NulError(string field) => $"{field} contains a NUL character (\\u0000), which cannot be stored.";

    /// <summary>The path of the first string or property name under <paramref name="node"/> that holds a NUL, or null.</summary>
    public static string? FindNul(JsonNode? node, string path) => node switch
    {
        JsonObject obj => obj.Select(p => HasNul(p.Key) ? path : FindNul(p.Value, $"{path}.{p.Key}")).FirstOrDefault(p => p is not null),
        JsonArray array => array.Select((item, i) => FindNul(item, $"{path}[{i}]")).FirstOrDefault(p => p is not null),
        JsonValue value when value.TryGetValue<string>(out var text) => HasNul(text) ? path : null,
        _ => null,
    };

    /// <summary>A worker's free text (an error, a stack trace) made storable: each NUL becomes U+FFFD.</summary>
    public static string? Storable(string? value) => HasNul(value) ? value!.Replace('\0', '\uFFFD') : value;
}
