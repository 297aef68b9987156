using System.Globalization;
using JobPlatform.AppHost.Hosting;
using k8s.Models;

namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// A .NET project of the graph as Kubernetes objects: a ConfigMap of its environment, a Deployment of
/// its replicas with probes on its health endpoints, and a Service when it has an HTTP endpoint.
/// </summary>
internal static class ProjectManifests
{
    /// <summary>How long the worker's host waits beyond its drain timeout before it gives up (the worker's HostOptions margin).</summary>
    public static readonly TimeSpan HostShutdownMargin = TimeSpan.FromSeconds(5);

    /// <summary>Time for the process to exit after its host stopped, before Kubernetes kills it.</summary>
    public static readonly TimeSpan ExitMargin = TimeSpan.FromSeconds(5);

    /// <summary>The argument that makes the Api apply migrations and exit (JobPlatform.Api's Program.cs).</summary>
    public const string MigrateOnlyArgument = "--migrate-only";

    public static V1ConfigMap ConfigMap(ProjectResource project, ContainerEnvironment environment) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = PodDefaults.Metadata(project.Name, project.Name),
        Data = new Dictionary<string, string>(environment.ConfigMap, StringComparer.Ordinal),
    };

    /// <param name="managedReplicas">Leave the replica count to an autoscaler (whose minimum is the model's count).</param>
    public static V1Deployment Deployment(ProjectResource project, ContainerEnvironment environment, bool managedReplicas)
    {
        var container = PublishedModel.Container(project);
        var pod = new V1PodSpec
        {
            AutomountServiceAccountToken = false,
            SecurityContext = PodDefaults.PodSecurity(PodDefaults.DotnetUserId),
            Containers =
            [
                new V1Container
                {
                    Name = project.Name,
                    Image = container.Image,
                    ImagePullPolicy = "IfNotPresent",
                    Ports = [new V1ContainerPort { Name = PodDefaults.HttpPortName, ContainerPort = container.Port, Protocol = "TCP" }],
                    EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = project.Name } }],
                    Env = environment.Variables,
                    Resources = ContainerSizes.Base(project.Name).ToRequirements(),
                    StartupProbe = PodDefaults.Startup(container.LivenessPath),
                    ReadinessProbe = PodDefaults.Readiness(container.ReadinessPath),
                    LivenessProbe = PodDefaults.Liveness(container.LivenessPath),
                    SecurityContext = PodDefaults.ContainerSecurity(),
                    VolumeMounts = [PodDefaults.TmpMount()],
                },
            ],
            Volumes = [PodDefaults.EmptyDir(PodDefaults.TmpVolume)],
        };
        if (PublishedModel.DrainTimeout(project) is { } drain)
        {
            // SIGTERM starts the drain; the pod must outlive it, or running tasks are killed mid-way.
            pod.TerminationGracePeriodSeconds = (long)Math.Ceiling((drain + HostShutdownMargin + ExitMargin).TotalSeconds);
        }

        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = PodDefaults.Metadata(project.Name, project.Name),
            Spec = new V1DeploymentSpec
            {
                Replicas = managedReplicas ? null : PublishedModel.Replicas(project),
                Selector = new V1LabelSelector { MatchLabels = KubeLabels.Selector(project.Name) },
                Strategy = new V1DeploymentStrategy
                {
                    Type = "RollingUpdate",
                    RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "25%", MaxUnavailable = 0 },
                },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta
                    {
                        Labels = KubeLabels.For(project.Name, project.Name),
                        Annotations = new Dictionary<string, string>
                        {
                            ["prometheus.io/scrape"] = "true",
                            ["prometheus.io/port"] = container.Port.ToString(CultureInfo.InvariantCulture),
                            ["prometheus.io/path"] = "/metrics",
                        },
                    },
                    Spec = pod,
                },
            },
        };
    }

    public static V1Service Service(string name, int port) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = PodDefaults.Metadata(name, name),
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Selector = KubeLabels.Selector(name),
            Ports = [new V1ServicePort { Name = PodDefaults.HttpPortName, Port = port, TargetPort = PodDefaults.HttpPortName, Protocol = "TCP" }],
        },
    };

    /// <summary>
    /// The Job that applies the database migrations once per rollout: the Api's image with
    /// <see cref="MigrateOnlyArgument"/>, the Api's configuration. Api replicas that start meanwhile
    /// wait on the same advisory lock and find the work done, so nothing races.
    /// </summary>
    public static V1Job MigrationJob(ProjectResource api, ContainerEnvironment environment)
    {
        var name = MigrationJobName(api);
        var variables = environment.Variables
            .Where(v => v.ValueFrom?.SecretKeyRef is not null && v.Name.StartsWith("ConnectionStrings__", StringComparison.Ordinal))
            .Append(new V1EnvVar { Name = "OTEL_SERVICE_NAME", Value = name })
            .ToList();
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = PodDefaults.Metadata(name, "migration"),
            Spec = new V1JobSpec
            {
                BackoffLimit = 6,
                ActiveDeadlineSeconds = 600,
                // Gone an hour after it finished, so the next `kubectl apply` runs it again for the next rollout.
                TtlSecondsAfterFinished = 3600,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = KubeLabels.For(name, "migration") },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "OnFailure",
                        AutomountServiceAccountToken = false,
                        SecurityContext = PodDefaults.PodSecurity(PodDefaults.DotnetUserId),
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "migrate",
                                Image = PublishedModel.Container(api).Image,
                                ImagePullPolicy = "IfNotPresent",
                                Args = [MigrateOnlyArgument],
                                EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = api.Name } }],
                                Env = variables,
                                Resources = ContainerSizes.Base("migrate").ToRequirements(),
                                SecurityContext = PodDefaults.ContainerSecurity(),
                                VolumeMounts = [PodDefaults.TmpMount()],
                            },
                        ],
                        Volumes = [PodDefaults.EmptyDir(PodDefaults.TmpVolume)],
                    },
                },
            },
        };
    }

    /// <summary>The migration Job's name, and the label its pods are allowed into the database by.</summary>
    public static string MigrationJobName(ProjectResource project) => $"{project.Name}-migrate";
}
