using System.Globalization;
using JobPlatform.AppHost.Hosting;
using k8s;
using k8s.Models;

namespace JobPlatform.AppHost.Publishing;

/// <summary>
/// The optional KEDA component: each worker pool's Deployment scaled on the depth of its own SQS
/// queues (one trigger per queue, one queue per priority of each queue it serves: KEDA follows the
/// deepest), with the scaler's AWS credentials read from the same Secret the pool reads.
/// </summary>
internal static class KedaManifests
{
    /// <summary>Where KEDA's operator runs (its Helm chart's and release manifests' default).</summary>
    public const string OperatorNamespace = "keda";

    /// <summary>Messages waiting (or in flight) per replica that KEDA aims for: one per task slot of a worker (Worker:MaxConcurrency's default).</summary>
    public const int MessagesPerReplica = 16;

    /// <summary>The most replicas KEDA scales a consumer to, as a multiple of the model's count.</summary>
    public const int MaxScaleFactor = 4;

    /// <summary>The SQS queues of a JobPlatform queue (as the services name them, with the default <c>Sqs:TaskQueueName</c>), normal priority first.</summary>
    public static IEnumerable<string> SqsQueuesOf(string queue)
    {
        var names = new JobPlatform.TaskQueues.SqsOptions();
        return JobPlatform.Contracts.JobPriority.All.OrderBy(p => p == JobPlatform.Contracts.JobPriority.Normal ? 0 : 1)
            .Select(priority => names.TaskQueueNameFor(queue, priority));
    }

    /// <summary>The scalers' AWS credentials: the Secret every pool reads. One for all the pools.</summary>
    public static TriggerAuthentication Authentication() => new()
    {
        Metadata = PodDefaults.Metadata(SqsEmulatorManifests.CredentialsSecretName, OperatorNamespace),
        Spec = new TriggerAuthenticationSpec
        {
            SecretTargetRef =
            [
                new SecretTargetReference { Parameter = "awsAccessKeyID", Name = SqsEmulatorManifests.CredentialsSecretName, Key = "AWS_ACCESS_KEY_ID" },
                new SecretTargetReference { Parameter = "awsSecretAccessKey", Name = SqsEmulatorManifests.CredentialsSecretName, Key = "AWS_SECRET_ACCESS_KEY" },
            ],
        },
    };

    /// <summary>A pool's scaler.</summary>
    /// <param name="queues">The names of the SQS queues it scales on.</param>
    public static ScaledObject Create(ProjectResource consumer, IReadOnlyList<string> queues)
    {
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
                        ["queueURL"] = queue,
                        ["queueLength"] = MessagesPerReplica.ToString(CultureInfo.InvariantCulture),
                        ["awsRegion"] = SqsEmulatorResource.Region,
                        ["scaleOnInFlight"] = "true",
                    },
                    AuthenticationRef = new AuthenticationReference { Name = SqsEmulatorManifests.CredentialsSecretName },
                }).ToList(),
            },
        };
        return scaledObject;
    }

    /// <summary>The emulator's address from KEDA's namespace.</summary>
    public static string EmulatorEndpoint(SqsEmulatorResource sqs, string @namespace) =>
        $"http://{sqs.Name}.{@namespace}.svc.cluster.local:{PublishedModel.Container(sqs).Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The queue's full URL at the emulator, from KEDA's namespace.</summary>
    public static string EmulatorQueueUrl(SqsEmulatorResource sqs, string queue, string @namespace) =>
        $"{EmulatorEndpoint(sqs, @namespace)}/{SqsEmulatorManifests.EmulatorAccountId}/{queue}";
}
