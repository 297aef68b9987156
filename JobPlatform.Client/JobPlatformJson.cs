using System.Text.Json;
using System.Text.Json.Serialization;

namespace JobPlatform.Client;

/// <summary>The Api's JSON: camelCase names, and the fields a request leaves out are not sent.</summary>
public static class JobPlatformJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerOptions.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
