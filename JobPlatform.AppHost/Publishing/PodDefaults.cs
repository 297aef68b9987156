using k8s.Models;

namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// What every published pod shares: a non-root user, a read-only root filesystem with a writable
/// <c>/tmp</c>, no service account token, and HTTP probes on the container's named port.
/// </summary>
internal static class PodDefaults
{
    /// <summary>The uid of the .NET images' <c>app</c> user (<c>$APP_UID</c>).</summary>
    public const long DotnetUserId = 1654;

    /// <summary>The uid of nginx in the unprivileged nginx image.</summary>
    public const long NginxUserId = 101;

    /// <summary>The uid of <c>postgres</c> in the Alpine PostgreSQL image.</summary>
    public const long PostgresUserId = 70;

    /// <summary>The uid of <c>node</c> in the Node.js images.</summary>
    public const long NodeUserId = 1000;

    /// <summary>The named container port probes and Services point at.</summary>
    public const string HttpPortName = "http";

    public const string TmpVolume = "tmp";

    public static V1PodSecurityContext PodSecurity(long userId) => new()
    {
        RunAsNonRoot = true,
        RunAsUser = userId,
        RunAsGroup = userId,
        FsGroup = userId,
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    public static V1SecurityContext ContainerSecurity() => new()
    {
        RunAsNonRoot = true,
        AllowPrivilegeEscalation = false,
        ReadOnlyRootFilesystem = true,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
    };

    /// <summary>A writable scratch folder, since the root filesystem is read-only.</summary>
    public static V1Volume EmptyDir(string name, string sizeLimit = "64Mi") =>
        new() { Name = name, EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity(sizeLimit) } };

    public static V1VolumeMount TmpMount() => new() { Name = TmpVolume, MountPath = "/tmp" };

    /// <summary>Readiness: taken out of its Service while failing, never restarted for it.</summary>
    public static V1Probe Readiness(string path) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = HttpPortName },
        PeriodSeconds = 10,
        TimeoutSeconds = 5,
        FailureThreshold = 3,
    };

    /// <summary>Liveness: restarted after about 30 s of no answer.</summary>
    public static V1Probe Liveness(string path) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = HttpPortName },
        PeriodSeconds = 10,
        TimeoutSeconds = 5,
        FailureThreshold = 3,
    };

    /// <summary>Start-up: up to two minutes to come up before liveness counts.</summary>
    public static V1Probe Startup(string path) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = HttpPortName },
        PeriodSeconds = 2,
        TimeoutSeconds = 2,
        FailureThreshold = 60,
    };

    public static V1ObjectMeta Metadata(string name, string component) => new() { Name = name, Labels = KubeLabels.For(name, component) };
}
