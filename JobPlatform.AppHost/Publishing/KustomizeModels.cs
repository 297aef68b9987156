using System.Text.Json.Serialization;

namespace JobPlatform.AppHost.Publishing;

/// <summary>A kustomization.yaml: a Kustomization (base, overlay) or a Component.</summary>
internal sealed class Kustomization
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; init; } = "kustomize.config.k8s.io/v1beta1";

    [JsonPropertyName("kind")]
    public string Kind { get; init; } = "Kustomization";

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("resources")]
    public List<string>? Resources { get; set; }

    [JsonPropertyName("components")]
    public List<string>? Components { get; set; }

    [JsonPropertyName("patches")]
    public List<KustomizePatch>? Patches { get; set; }

    [JsonPropertyName("images")]
    public List<KustomizeImage>? Images { get; set; }

    public static Kustomization Component() => new() { ApiVersion = "kustomize.config.k8s.io/v1alpha1", Kind = "Component" };
}

/// <summary>A patch file, or an inline JSON patch of a target.</summary>
internal sealed class KustomizePatch
{
    [JsonPropertyName("path")]
    public string? Path { get; set; }

    [JsonPropertyName("patch")]
    public string? Patch { get; set; }

    [JsonPropertyName("target")]
    public KustomizeTarget? Target { get; set; }
}

/// <summary>The objects a patch applies to.</summary>
internal sealed class KustomizeTarget
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("version")]
    public string? Version { get; set; }

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}

/// <summary>An image's name and tag, replaced wherever it is used.</summary>
internal sealed class KustomizeImage
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("newName")]
    public string? NewName { get; set; }

    [JsonPropertyName("newTag")]
    public string? NewTag { get; set; }
}

/// <summary>One RFC 6902 operation of a JSON patch.</summary>
internal sealed record JsonPatchOperation(
    [property: JsonPropertyName("op")] string Op,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("value")] object? Value = null);

/// <summary>
/// A strategic-merge patch that deletes one object (kustomize's <c>$patch: delete</c>). A map, not a
/// class: the serialiser's naming convention would drop the key's <c>$</c>.
/// </summary>
internal static class DeletePatch
{
    public static SortedDictionary<string, object> For(string apiVersion, string kind, string name) => new(StringComparer.Ordinal)
    {
        ["$patch"] = "delete",
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["metadata"] = new Dictionary<string, string> { ["name"] = name },
    };
}
