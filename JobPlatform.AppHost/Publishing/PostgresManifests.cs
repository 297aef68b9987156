using JobPlatform.AppHost.Hosting;
using JobPlatform.Contracts;
using k8s.Models;
using Npgsql;

namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// The PostgreSQL server as a StatefulSet with a volume claim per replica, its headless Service, a
/// ConfigMap, and Secrets for the password and for each database's connection string. The password
/// is the published development one (<see cref="DevelopmentSecrets.PostgresPassword"/>), for the kind
/// overlay; a real deployment uses its own database and connection Secret instead.
/// </summary>
internal static class PostgresManifests
{
    /// <summary>The image a published server runs (the official image, Alpine: the same major version as the local binaries).</summary>
    public const string ContainerImage = "postgres:15-alpine";

    /// <summary>PostgreSQL's port inside its container and on its Service.</summary>
    public const int ContainerPort = 5432;

    private const string DataVolume = "data";
    private const string DataDirectory = "/var/lib/postgresql/data";

    /// <summary>The Secret holding the server's superuser password in a cluster.</summary>
    public static string PasswordSecretName(PostgresServerResource server) => server.Name;

    /// <summary>The Secret that holds a database's connection string in a cluster; a real deployment creates it itself.</summary>
    public static string ConnectionSecretName(PostgresDatabaseResource database) => $"{database.Name}-connection";

    /// <summary>The connection string a cluster's pods use: the server's Service, the server's Secret password.</summary>
    public static string ConnectionString(PostgresDatabaseResource database) => new NpgsqlConnectionStringBuilder
    {
        Host = database.Parent.Name,
        Port = ContainerPort,
        Database = database.Name,
        Username = UnixUser.PostgresUser,
        Password = DevelopmentSecrets.PostgresPassword,
    }.ConnectionString;

    public static V1ConfigMap ConfigMap(PostgresServerResource server) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = PodDefaults.Metadata(server.Name, "database"),
        Data = new Dictionary<string, string>
        {
            ["POSTGRES_USER"] = UnixUser.PostgresUser,
            // The first database is created by the image; the Api's migrations create the schema.
            ["POSTGRES_DB"] = server.Databases[0].Name,
            // A folder below the mount point: a fresh volume's root may hold lost+found.
            ["PGDATA"] = $"{DataDirectory}/pgdata",
        },
    };

    public static V1Secret PasswordSecret(PostgresServerResource server) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = PodDefaults.Metadata(PasswordSecretName(server), "database"),
        Type = "Opaque",
        StringData = new Dictionary<string, string> { ["POSTGRES_PASSWORD"] = DevelopmentSecrets.PostgresPassword },
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
            Ports = [new V1ServicePort { Name = "postgres", Port = ContainerPort, TargetPort = "postgres", Protocol = "TCP" }],
        },
    };

    public static V1StatefulSet StatefulSet(PostgresServerResource server)
    {
        var ready = new V1ExecAction { Command = ["pg_isready", "-h", "127.0.0.1", "-U", UnixUser.PostgresUser, "-d", server.Databases[0].Name] };
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
                                Image = ContainerImage,
                                ImagePullPolicy = "IfNotPresent",
                                Ports = [new V1ContainerPort { Name = "postgres", ContainerPort = ContainerPort, Protocol = "TCP" }],
                                EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = server.Name } }],
                                Env =
                                [
                                    ContainerEnvironment.SecretVariable("POSTGRES_PASSWORD",
                                        new SecretKey(PasswordSecretName(server), "POSTGRES_PASSWORD", DevelopmentSecrets.PostgresPassword)),
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
        Metadata = PodDefaults.Metadata(ConnectionSecretName(database), "database"),
        Type = "Opaque",
        StringData = keys.DistinctBy(k => k.Key).ToDictionary(k => k.Key, k => k.DevelopmentValue, StringComparer.Ordinal),
    };
}
