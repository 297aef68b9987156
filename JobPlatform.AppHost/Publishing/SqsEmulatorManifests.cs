using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using JobPlatform.AppHost.Hosting;
using k8s.Models;

namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// The fauxqs emulator in the cluster (the <c>kind</c> overlay): a Deployment of its image
/// (deploy/images/sqs-emulator.Dockerfile), its Service, the dummy credentials Secret, and a
/// ConfigMap with the queues to create at start, taken from the model's queue definitions.
/// </summary>
internal static class SqsEmulatorManifests
{
    public const string InitKey = "init.json";
    private const string InitDirectory = "/etc/fauxqs";

    /// <summary>The Secret the AWS credentials come from in a cluster: dummy ones for the emulator, real ones (or none, with a role) on AWS.</summary>
    public const string CredentialsSecretName = "sqs-credentials";

    /// <summary>The AWS account the emulator puts in queue ARNs and URLs.</summary>
    public const string EmulatorAccountId = "000000000000";

    /// <summary>The AWS SDK's credential variables, which referencing the emulator passes (dummy values): Secret keys in a cluster.</summary>
    public static readonly string[] CredentialVariables = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

    /// <summary>
    /// Where a credential variable comes from in a cluster, the emulator's dummy <paramref name="emulatorValue"/> in kind; optional, so a
    /// pod with an AWS role needs no Secret.
    /// </summary>
    public static SecretKey CredentialKey(string variable, string emulatorValue) => new(CredentialsSecretName, variable, emulatorValue, Optional: true);

    public static V1ConfigMap ConfigMap(SqsEmulatorResource sqs) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = PodDefaults.Metadata(sqs.Name, "queue"),
        Data = new Dictionary<string, string>
        {
            ["FAUXQS_PORT"] = PublishedModel.Container(sqs).Port.ToString(CultureInfo.InvariantCulture),
            // The host fauxqs writes into queue URLs: the emulator's Service.
            ["FAUXQS_HOST"] = sqs.Name,
            ["FAUXQS_DEFAULT_REGION"] = SqsEmulatorResource.Region,
            ["FAUXQS_INIT"] = $"{InitDirectory}/{InitKey}",
            [InitKey] = InitDocument(sqs),
        },
    };

    /// <summary>fauxqs's init file: each queue with its visibility timeout and redrive policy, dead-letter queues first.</summary>
    internal static string InitDocument(SqsEmulatorResource sqs)
    {
        var queues = new List<InitQueue>();
        foreach (var queue in sqs.Queues)
        {
            var attributes = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["VisibilityTimeout"] = ((int)queue.VisibilityTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            };
            if (queue.DeadLetterQueue is { } dlq)
            {
                if (!queues.Any(q => q.Name == dlq))
                {
                    queues.Add(new InitQueue(dlq, null));
                }
                attributes["RedrivePolicy"] = JsonSerializer.Serialize(new RedrivePolicy(
                    $"arn:aws:sqs:{SqsEmulatorResource.Region}:{EmulatorAccountId}:{dlq}",
                    queue.MaxReceiveCount.ToString(CultureInfo.InvariantCulture)));
            }
            queues.Add(new InitQueue(queue.Name, attributes));
        }
        return JsonSerializer.Serialize(new InitFile(SqsEmulatorResource.Region, queues), new JsonSerializerOptions
        {
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        }) + "\n";
    }

    public static V1Secret CredentialsSecret(IEnumerable<SecretKey> keys) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = PodDefaults.Metadata(CredentialsSecretName, "queue"),
        Type = "Opaque",
        StringData = keys.DistinctBy(k => k.Key).ToDictionary(k => k.Key, k => k.DevelopmentValue, StringComparer.Ordinal),
    };

    public static V1Deployment Deployment(SqsEmulatorResource sqs)
    {
        var container = PublishedModel.Container(sqs);
        var keys = new[] { "FAUXQS_PORT", "FAUXQS_HOST", "FAUXQS_DEFAULT_REGION", "FAUXQS_INIT" };
        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = PodDefaults.Metadata(sqs.Name, "queue"),
            Spec = new V1DeploymentSpec
            {
                // One replica: the emulator keeps its queues in memory, so a second would be another SQS.
                Replicas = 1,
                Strategy = new V1DeploymentStrategy { Type = "Recreate" },
                Selector = new V1LabelSelector { MatchLabels = KubeLabels.Selector(sqs.Name) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = KubeLabels.For(sqs.Name, "queue") },
                    Spec = new V1PodSpec
                    {
                        AutomountServiceAccountToken = false,
                        SecurityContext = PodDefaults.PodSecurity(PodDefaults.NodeUserId),
                        Containers =
                        [
                            new V1Container
                            {
                                Name = sqs.Name,
                                Image = container.Image,
                                ImagePullPolicy = "IfNotPresent",
                                Ports = [new V1ContainerPort { Name = PodDefaults.HttpPortName, ContainerPort = container.Port, Protocol = "TCP" }],
                                Env = keys.Select(key => new V1EnvVar
                                {
                                    Name = key,
                                    ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = sqs.Name, Key = key } },
                                }).ToList(),
                                Resources = ContainerSizes.Base(sqs.Name).ToRequirements(),
                                StartupProbe = PodDefaults.Startup(container.LivenessPath),
                                ReadinessProbe = PodDefaults.Readiness(container.ReadinessPath),
                                LivenessProbe = PodDefaults.Liveness(container.LivenessPath),
                                SecurityContext = PodDefaults.ContainerSecurity(),
                                VolumeMounts =
                                [
                                    PodDefaults.TmpMount(),
                                    new V1VolumeMount { Name = "init", MountPath = InitDirectory, ReadOnlyProperty = true },
                                ],
                            },
                        ],
                        Volumes =
                        [
                            PodDefaults.EmptyDir(PodDefaults.TmpVolume),
                            new V1Volume
                            {
                                Name = "init",
                                ConfigMap = new V1ConfigMapVolumeSource { Name = sqs.Name, Items = [new V1KeyToPath { Key = InitKey, Path = InitKey }] },
                            },
                        ],
                    },
                },
            },
        };
    }

    private sealed record InitFile([property: JsonPropertyName("region")] string Region, [property: JsonPropertyName("queues")] IReadOnlyList<InitQueue> Queues);

    private sealed record InitQueue(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("attributes")] IReadOnlyDictionary<string, string>? Attributes);

    private sealed record RedrivePolicy(
        [property: JsonPropertyName("deadLetterTargetArn")] string DeadLetterTargetArn,
        [property: JsonPropertyName("maxReceiveCount")] string MaxReceiveCount);
}
