using k8s.Models;

namespace JobPlatform.AppHost.Publishing;

/// <summary>CPU and memory requests and limits of one container.</summary>
internal sealed record ContainerSize(string CpuRequest, string MemoryRequest, string CpuLimit, string MemoryLimit)
{
    public V1ResourceRequirements ToRequirements() => new()
    {
        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(CpuRequest), ["memory"] = new(MemoryRequest) },
        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(CpuLimit), ["memory"] = new(MemoryLimit) },
    };
}

/// <summary>
/// What each container asks for: production-sized in the base, small in the <c>kind</c> overlay (a
/// laptop's cluster). Keyed by the container's name; the model's resource names are the keys.
/// </summary>
internal static class ContainerSizes
{
    private static readonly ContainerSize DotnetService = new("250m", "256Mi", "1", "512Mi");
    private static readonly ContainerSize SmallDotnetService = new("50m", "128Mi", "500m", "384Mi");

    public static ContainerSize Base(string container) => container switch
    {
        "web" => new("25m", "32Mi", "250m", "64Mi"),
        "postgres" => new("250m", "256Mi", "1", "1Gi"),
        "sqs" => new("50m", "96Mi", "500m", "256Mi"),
        "migrate" => new("100m", "128Mi", "500m", "256Mi"),
        _ => DotnetService,
    };

    public static ContainerSize Kind(string container) => container switch
    {
        "web" => new("10m", "16Mi", "100m", "64Mi"),
        "postgres" => new("50m", "128Mi", "500m", "512Mi"),
        "sqs" => new("25m", "64Mi", "250m", "192Mi"),
        "migrate" => new("50m", "96Mi", "500m", "256Mi"),
        _ => SmallDotnetService,
    };
}
