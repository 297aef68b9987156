using Amazon.SQS;
using Amazon.SQS.Model;
using Aspire.Hosting.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// The fauxqs SQS emulator (npm) as an Aspire executable resource, run by the Node 22 that npm installs
/// beside it in <c>JobPlatform.AppHost/tools/fauxqs</c>. It is ready once its queues exist. Its
/// connection string is the endpoint; referencing it also passes dummy AWS credentials.
/// </summary>
public sealed class SqsEmulatorResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string Region = "us-east-1";

    /// <summary>The emulator's port inside its container and on its Service (fauxqs's default).</summary>
    public const int ContainerPort = 4566;

    /// <summary>The queues created at start, in the order they were declared.</summary>
    public List<SqsQueueDefinition> Queues { get; } = [];

    public EndpointReference Endpoint => new(this, "http");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.Url)}");
}

/// <summary>A queue the emulator creates, optionally with a dead-letter queue by redrive policy.</summary>
public sealed record SqsQueueDefinition(string Name, string? DeadLetterQueue, int MaxReceiveCount, TimeSpan VisibilityTimeout);

public static class SqsEmulatorBuilderExtensions
{
    /// <summary>The visibility timeout a queue gets unless told otherwise. Defaults to 30 s.</summary>
    public static readonly TimeSpan DefaultVisibilityTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Adds the emulator from <paramref name="toolDirectory"/> (its npm packages installed on first
    /// start). With a <paramref name="dataDirectory"/> its queues and messages survive a restart, as
    /// in real SQS; <paramref name="fresh"/> empties it first.
    /// </summary>
    public static IResourceBuilder<SqsEmulatorResource> AddSqsEmulator(this IDistributedApplicationBuilder builder,
        string name, string toolDirectory, int port, string? dataDirectory = null, bool fresh = false)
    {
        // Node directly, not npm: npm ignores SIGTERM, and every stop would wait for DCP to kill it.
        var emulator = new SqsEmulatorResource(name, Path.Combine(toolDirectory, "node_modules", ".bin", "node"), toolDirectory);
        var wiped = false;
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(emulator, async (e, ct) =>
        {
            await NpmInstaller.EnsureInstalledAsync(toolDirectory, e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(emulator), ct);
            if (dataDirectory is not null)
            {
                if (fresh && !wiped && Directory.Exists(dataDirectory))
                {
                    Directory.Delete(dataDirectory, recursive: true);
                }
                wiped = true;
                Directory.CreateDirectory(dataDirectory);
            }
        });
        builder.Eventing.Subscribe<ResourceReadyEvent>(emulator, async (e, ct) =>
            await CreateQueuesAsync(emulator, e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(emulator), ct));

        var resource = builder.AddResource(emulator)
            .WithArgs("start.mjs")
            // Not behind DCP's proxy: the emulator puts its own port in the queue URLs it hands out,
            // and a proxy's port would differ from it, and the emulator's from one start to the next.
            .WithHttpEndpoint(port: port, targetPort: port, env: "FAUXQS_PORT", isProxied: false)
            .WithEnvironment("FAUXQS_HOST", "127.0.0.1")
            .WithEnvironment("FAUXQS_DEFAULT_REGION", SqsEmulatorResource.Region)
            .WithHttpHealthCheck("/health")
            .WithIconName("Mail")
            .WithContainerSpec(new ContainerSpec("jobplatform/sqs-emulator", SqsEmulatorResource.ContainerPort, "/health", "/health"));
        if (dataDirectory is not null)
        {
            resource.WithEnvironment("FAUXQS_DATA_DIR", dataDirectory);
        }
        return resource;
    }

    /// <summary>Creates <paramref name="name"/> at start, with a dead-letter queue after <paramref name="maxReceiveCount"/> receives.</summary>
    public static IResourceBuilder<SqsEmulatorResource> WithQueue(
        this IResourceBuilder<SqsEmulatorResource> builder, string name, string? deadLetterQueue = null, int maxReceiveCount = 5, TimeSpan? visibilityTimeout = null)
    {
        builder.Resource.Queues.Add(new SqsQueueDefinition(name, deadLetterQueue, maxReceiveCount, visibilityTimeout ?? DefaultVisibilityTimeout));
        return builder;
    }

    /// <summary>
    /// Passes the emulator's endpoint as <c>ConnectionStrings__{name}</c> and the dummy credentials
    /// and region the AWS SDK needs.
    /// </summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<SqsEmulatorResource> sqs)
        where T : IResourceWithEnvironment =>
        ResourceBuilderExtensions.WithReference(builder, (IResourceBuilder<IResourceWithConnectionString>)sqs)
            .WithEnvironment("AWS_ACCESS_KEY_ID", "test")
            .WithEnvironment("AWS_SECRET_ACCESS_KEY", "test")
            .WithEnvironment("AWS_REGION", SqsEmulatorResource.Region)
            .WithEnvironment("AWS_DEFAULT_REGION", SqsEmulatorResource.Region);

    // CreateQueue is idempotent for the same attributes, so this runs on every start.
    private static async Task CreateQueuesAsync(SqsEmulatorResource emulator, ILogger log, CancellationToken ct)
    {
        var serviceUrl = await emulator.ConnectionStringExpression.GetValueAsync(ct);
        using var sqs = new AmazonSQSClient(
            new Amazon.Runtime.BasicAWSCredentials("test", "test"),
            new AmazonSQSConfig { ServiceURL = serviceUrl, AuthenticationRegion = SqsEmulatorResource.Region });
        foreach (var queue in emulator.Queues)
        {
            var attributes = new Dictionary<string, string>
            {
                [QueueAttributeName.VisibilityTimeout] = ((int)queue.VisibilityTimeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            if (queue.DeadLetterQueue is { } dlq)
            {
                var dlqUrl = (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = dlq }, ct)).QueueUrl;
                var arn = (await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
                {
                    QueueUrl = dlqUrl,
                    AttributeNames = [QueueAttributeName.QueueArn],
                }, ct)).Attributes[QueueAttributeName.QueueArn];
                attributes[QueueAttributeName.RedrivePolicy] =
                    $$"""{"deadLetterTargetArn":"{{arn}}","maxReceiveCount":"{{queue.MaxReceiveCount}}"}""";
            }
            await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = queue.Name, Attributes = attributes }, ct);
        }
        log.LogInformation("Queues ready: {Queues}", string.Join(", ", emulator.Queues
            .SelectMany(q => q.DeadLetterQueue is null ? [q.Name] : new[] { q.Name, q.DeadLetterQueue }).Distinct()));
    }
}
