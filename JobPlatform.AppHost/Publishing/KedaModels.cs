using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace JobPlatform.AppHost.Publishing;

/// <summary>KEDA's ScaledObject (keda.sh/v1alpha1), the fields JobPlatform uses; KubernetesClient has no model for it.</summary>
public sealed class ScaledObject : IKubernetesObject<V1ObjectMeta>
{
    public const string KubeApiVersion = "keda.sh/v1alpha1";
    public const string KubeKind = "ScaledObject";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = KubeApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public ScaledObjectSpec Spec { get; set; } = new();
}

/// <summary>What a ScaledObject scales, between which counts, on which triggers.</summary>
public sealed class ScaledObjectSpec
{
    [JsonPropertyName("scaleTargetRef")]
    public ScaleTargetReference ScaleTargetRef { get; set; } = new();

    [JsonPropertyName("minReplicaCount")]
    public int? MinReplicaCount { get; set; }

    [JsonPropertyName("maxReplicaCount")]
    public int? MaxReplicaCount { get; set; }

    [JsonPropertyName("pollingInterval")]
    public int? PollingInterval { get; set; }

    [JsonPropertyName("cooldownPeriod")]
    public int? CooldownPeriod { get; set; }

    [JsonPropertyName("triggers")]
    public List<ScaleTrigger> Triggers { get; set; } = [];
}

/// <summary>The Deployment a ScaledObject scales.</summary>
public sealed class ScaleTargetReference
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}

/// <summary>One scaler: its type, its metadata, and where its credentials come from.</summary>
public sealed class ScaleTrigger
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("metadata")]
    public Dictionary<string, string> Metadata { get; set; } = [];

    [JsonPropertyName("authenticationRef")]
    public AuthenticationReference? AuthenticationRef { get; set; }
}

/// <summary>A TriggerAuthentication by name.</summary>
public sealed class AuthenticationReference
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}

/// <summary>KEDA's TriggerAuthentication (keda.sh/v1alpha1): scaler parameters read from Secrets.</summary>
public sealed class TriggerAuthentication : IKubernetesObject<V1ObjectMeta>
{
    public const string KubeKind = "TriggerAuthentication";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ScaledObject.KubeApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TriggerAuthenticationSpec Spec { get; set; } = new();
}

/// <summary>The Secret keys a TriggerAuthentication passes to its scalers.</summary>
public sealed class TriggerAuthenticationSpec
{
    [JsonPropertyName("secretTargetRef")]
    public List<SecretTargetReference> SecretTargetRef { get; set; } = [];
}

/// <summary>One scaler parameter from one Secret key.</summary>
public sealed class SecretTargetReference
{
    [JsonPropertyName("parameter")]
    public string Parameter { get; set; } = "";

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("key")]
    public string Key { get; set; } = "";
}
