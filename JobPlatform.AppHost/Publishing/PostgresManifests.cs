using JobPlatform.AppHost.Hosting;
using k8s.Models;

namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// The PostgreSQL server as a StatefulSet with a volume claim per replica, its headless Service, a
/// ConfigMap, and Secrets for the password and for each database's connection string.
/// </summary>
internal static class PostgresManifests
{
    private const string DataVolume = "data";
    private const string DataDirectory = "/var/lib/postgresql/data";

    public static V1ConfigMap ConfigMap(PostgresServerResource server) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = PodDefaults.Metadata(server.Name, "database"),
        Data = new Dictionary<string, string>
        {
            ["POSTGRES_USER"] = UnixUser.PostgresUser,
            // The first database is created by the image; the Api's migrations create the schema.
            ["POSTGRES_DB"] = server.DatabaseResources[0].Name,
            // A folder below the mount point: a fresh volume's root may hold lost+found.
            ["PGDATA"] = $"{DataDirectory}/pgdata",
        },
    };

    public static V1Secret PasswordSecret(PostgresServerResource server) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = PodDefaults.Metadata(server.PasswordSecretName, "database"),
        Type = "Opaque",
        StringData = new Dictionary<string, string> { ["POSTGRES_PASSWORD"] = PostgresServerResource.DevelopmentPassword },
    };

    public static V1Service Service(PostgresServerResource server) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = PodDefaults.Metadata(server.Name, "database"),
        Spec = new V1ServiceSpec
        {
            // Headless: the StatefulSet's governing Service; clients reach the one pod by this name.
            ClusterIP = "None",
            Selector = KubeLabels.Selector(server.Name),
            Ports = [new V1ServicePort { Name = "postgres", Port = PostgresServerResource.ContainerPort, TargetPort = "postgres", Protocol = "TCP" }],
        },
    };

    public static V1StatefulSet StatefulSet(PostgresServerResource server)
    {
        var ready = new V1ExecAction { Command = ["pg_isready", "-h", "127.0.0.1", "-U", UnixUser.PostgresUser, "-d", server.DatabaseResources[0].Name] };
        return new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = PodDefaults.Metadata(server.Name, "database"),
            Spec = new V1StatefulSetSpec
            {
                ServiceName = server.Name,
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = KubeLabels.Selector(server.Name) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = KubeLabels.For(server.Name, "database") },
                    Spec = new V1PodSpec
                    {
                        AutomountServiceAccountToken = false,
                        SecurityContext = PodDefaults.PodSecurity(PodDefaults.PostgresUserId),
                        // PostgreSQL's fast shutdown ends sessions; a checkpoint then needs a little time.
                        TerminationGracePeriodSeconds = 60,
                        Containers =
                        [
                            new V1Container
                            {
                                Name = server.Name,
                                Image = PostgresServerResource.ContainerImage,
                                ImagePullPolicy = "IfNotPresent",
                                Ports = [new V1ContainerPort { Name = "postgres", ContainerPort = PostgresServerResource.ContainerPort, Protocol = "TCP" }],
                                EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = server.Name } }],
                                Env =
                                [
                                    ContainerEnvironment.SecretVariable("POSTGRES_PASSWORD",
                                        new SecretKey(server.PasswordSecretName, "POSTGRES_PASSWORD", PostgresServerResource.DevelopmentPassword)),
                                ],
                                Resources = ContainerSizes.Base(server.Name).ToRequirements(),
                                // The first start runs initdb with TCP off; allow it five minutes.
                                StartupProbe = new V1Probe { Exec = ready, PeriodSeconds = 5, TimeoutSeconds = 5, FailureThreshold = 60 },
                                ReadinessProbe = new V1Probe { Exec = ready, PeriodSeconds = 10, TimeoutSeconds = 5, FailureThreshold = 3 },
                                LivenessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = "postgres" }, PeriodSeconds = 10, TimeoutSeconds = 5, FailureThreshold = 6 },
                                SecurityContext = PodDefaults.ContainerSecurity(),
                                VolumeMounts =
                                [
                                    new V1VolumeMount { Name = DataVolume, MountPath = DataDirectory },
                                    new V1VolumeMount { Name = "run", MountPath = "/var/run/postgresql" },
                                    PodDefaults.TmpMount(),
                                ],
                            },
                        ],
                        Volumes = [PodDefaults.EmptyDir("run", "1Mi"), PodDefaults.EmptyDir(PodDefaults.TmpVolume)],
                    },
                },
                VolumeClaimTemplates =
                [
                    new V1PersistentVolumeClaim
                    {
                        Metadata = new V1ObjectMeta { Name = DataVolume, Labels = KubeLabels.For(server.Name, "database") },
                        Spec = new V1PersistentVolumeClaimSpec
                        {
                            AccessModes = ["ReadWriteOnce"],
                            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("2Gi") } },
                        },
                    },
                ],
            },
        };
    }

    /// <summary>The Secret of each database's connection string, as the Api reads it.</summary>
    public static V1Secret ConnectionSecret(PostgresDatabaseResource database, IEnumerable<SecretKey> keys) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = PodDefaults.Metadata(database.ConnectionSecretName, "database"),
        Type = "Opaque",
        StringData = keys.DistinctBy(k => k.Key).ToDictionary(k => k.Key, k => k.DevelopmentValue, StringComparer.Ordinal),
    };
}
