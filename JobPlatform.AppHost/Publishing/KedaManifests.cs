using System.Globalization;
using JobPlatform.AppHost.Hosting;
using k8s;
using k8s.Models;

namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// The optional KEDA component: a queue consumer's Deployment scaled on the depth of its SQS queues
/// (one trigger per queue, one queue per priority: KEDA follows the deepest), with the scaler's AWS
/// credentials read from the same Secret the consumer reads.
/// </summary>
internal static class KedaManifests
{
    /// <summary>Where KEDA's operator runs (its Helm chart's and release manifests' default).</summary>
    public const string OperatorNamespace = "keda";

    /// <summary>Messages waiting (or in flight) per replica that KEDA aims for: one per task slot of a worker (Worker:MaxConcurrency's default).</summary>
    public const int MessagesPerReplica = 16;

    /// <summary>The most replicas KEDA scales a consumer to, as a multiple of the model's count.</summary>
    public const int MaxScaleFactor = 4;

    public static IEnumerable<IKubernetesObject<V1ObjectMeta>> Create(ProjectResource consumer, IReadOnlyList<SqsQueueDefinition> queues)
    {
        var authentication = new TriggerAuthentication
        {
            Metadata = PodDefaults.Metadata(SqsEmulatorManifests.CredentialsSecretName, consumer.Name),
            Spec = new TriggerAuthenticationSpec
            {
                SecretTargetRef =
                [
                    new SecretTargetReference { Parameter = "awsAccessKeyID", Name = SqsEmulatorManifests.CredentialsSecretName, Key = "AWS_ACCESS_KEY_ID" },
                    new SecretTargetReference { Parameter = "awsSecretAccessKey", Name = SqsEmulatorManifests.CredentialsSecretName, Key = "AWS_SECRET_ACCESS_KEY" },
                ],
            },
        };
        var scaledObject = new ScaledObject
        {
            Metadata = PodDefaults.Metadata(consumer.Name, consumer.Name),
            Spec = new ScaledObjectSpec
            {
                ScaleTargetRef = new ScaleTargetReference { Name = consumer.Name },
                MinReplicaCount = 1,
                MaxReplicaCount = Math.Max(1, PublishedModel.Replicas(consumer)) * MaxScaleFactor,
                PollingInterval = 10,
                // Scale-in waits out a drain and a few receive rounds.
                CooldownPeriod = 120,
                Triggers = queues.Select(queue => new ScaleTrigger
                {
                    Type = "aws-sqs-queue",
                    Metadata = new Dictionary<string, string>
                    {
                        // The queue's name: on AWS, KEDA finds it in the account its credentials belong to.
                        ["queueURL"] = queue.Name,
                        ["queueLength"] = MessagesPerReplica.ToString(CultureInfo.InvariantCulture),
                        ["awsRegion"] = SqsEmulatorResource.Region,
                        ["scaleOnInFlight"] = "true",
                    },
                    AuthenticationRef = new AuthenticationReference { Name = authentication.Metadata.Name },
                }).ToList(),
            },
        };
        return [authentication, scaledObject];
    }

    /// <summary>The emulator's address from KEDA's namespace.</summary>
    public static string EmulatorEndpoint(SqsEmulatorResource sqs, string @namespace) =>
        $"http://{sqs.Name}.{@namespace}.svc.cluster.local:{PublishedModel.Container(sqs).Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The queue's full URL at the emulator, from KEDA's namespace.</summary>
    public static string EmulatorQueueUrl(SqsEmulatorResource sqs, SqsQueueDefinition queue, string @namespace) =>
        $"{EmulatorEndpoint(sqs, @namespace)}/{SqsEmulatorManifests.EmulatorAccountId}/{queue.Name}";
}
