using Amazon.SQS;
using Amazon.SQS.Model;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// The fauxqs SQS emulator (npm), installed into <c>JobPlatform.AppHost/tools/fauxqs</c> on first run
/// with the Node 22 it needs. Its queues are created once it is healthy. Referencing it passes
/// <c>ConnectionStrings__{name}</c> (the endpoint) and dummy AWS credentials.
/// </summary>
public sealed class SqsEmulatorResource(string name, int port) : Resource(name)
{
    public const string Region = "us-east-1";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The emulator's port inside its container and on its Service (fauxqs's default).</summary>
    public const int ContainerPort = 4566;

    /// <summary>The Secret the AWS credentials come from in a cluster: dummy ones for the emulator, real ones (or none, with a role) on AWS.</summary>
    public const string CredentialsSecretName = "sqs-credentials";

    /// <summary>The AWS account the emulator puts in queue ARNs and URLs.</summary>
    public const string EmulatorAccountId = "000000000000";

    /// <summary>The emulator packaged as an image (deploy/images/sqs-emulator.Dockerfile), answering <c>/health</c>.</summary>
    public override ContainerSpec Container => new("jobplatform/sqs-emulator", ContainerPort, "/health", "/health");

    /// <summary>The queues created at start, in the order they were declared.</summary>
    public IReadOnlyList<SqsQueueDefinition> QueueDefinitions => Queues;

    internal override IEnumerable<DeploymentVariable> GetDeploymentReferenceEnvironment() =>
    [
        DeploymentVariable.Plain($"ConnectionStrings__{Name}", $"http://{Name}:{ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}", emulatorOnly: true),
        DeploymentVariable.FromSecret("AWS_ACCESS_KEY_ID", new SecretKey(CredentialsSecretName, "AWS_ACCESS_KEY_ID", "test", Optional: true)),
        DeploymentVariable.FromSecret("AWS_SECRET_ACCESS_KEY", new SecretKey(CredentialsSecretName, "AWS_SECRET_ACCESS_KEY", "test", Optional: true)),
        DeploymentVariable.Plain("AWS_REGION", Region),
        DeploymentVariable.Plain("AWS_DEFAULT_REGION", Region),
    ];

    private SupervisedProcess? _process;
    private bool _wiped;

    public int Port { get; private set; } = port;

    internal List<SqsQueueDefinition> Queues { get; } = [];

    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    public override string? DisplayUrl => ServiceUrl;

    internal override IEnumerable<(int Port, string Option)> FixedPorts => Port == 0 ? [] : [(Port, "--sqs-port")];

    internal override IEnumerable<KeyValuePair<string, string>> GetReferenceEnvironment() =>
    [
        new($"ConnectionStrings__{Name}", ServiceUrl),
        new("AWS_ACCESS_KEY_ID", "test"),
        new("AWS_SECRET_ACCESS_KEY", "test"),
        new("AWS_REGION", Region),
        new("AWS_DEFAULT_REGION", Region),
    ];

    internal override async Task StartAsync(AppHostContext context, CancellationToken ct)
    {
        var toolDirectory = Path.Combine(context.RepositoryRoot, "JobPlatform.AppHost", "tools", "fauxqs");
        await NpmInstaller.EnsureInstalledAsync(Name, toolDirectory, context.Log, ct);
        Port = Port == 0 ? Ports.FindFree() : Port;

        var environment = new Dictionary<string, string?>
        {
            ["FAUXQS_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FAUXQS_HOST"] = "127.0.0.1",
            ["FAUXQS_DEFAULT_REGION"] = Region,
        };
        if (context.Options.PersistQueues ?? !context.Options.Testing)
        {
            // Queued tasks survive an AppHost restart, as they would in real SQS.
            var dataDirectory = Path.Combine(context.DataDirectory, Name);
            if (context.Options.Fresh && !_wiped && Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            _wiped = true;
            Directory.CreateDirectory(dataDirectory);
            environment["FAUXQS_DATA_DIR"] = dataDirectory;
        }

        var node = Path.Combine(toolDirectory, "node_modules", ".bin", "node");
        _process = new SupervisedProcess(Name, new ProcessSpec(node, ["start.mjs"], toolDirectory, environment), context.Log);
        _process.Start();
        await HealthWaiter.WaitAsync(Name, _process, token => HealthWaiter.HttpOkAsync(new Uri($"{ServiceUrl}/health"), token), StartTimeout, context.Log, ct);
        await CreateQueuesAsync(context, ct);
    }

    // CreateQueue is idempotent for the same attributes, so this runs on every start.
    private async Task CreateQueuesAsync(AppHostContext context, CancellationToken ct)
    {
        using var sqs = new AmazonSQSClient(
            new Amazon.Runtime.BasicAWSCredentials("test", "test"),
            new AmazonSQSConfig { ServiceURL = ServiceUrl, AuthenticationRegion = Region });
        foreach (var queue in Queues)
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
        context.Log.Info(Name, $"queues ready: {string.Join(", ", Queues.SelectMany(q => q.DeadLetterQueue is null ? [q.Name] : new[] { q.Name, q.DeadLetterQueue }).Distinct())}");
    }

    internal override Task StopAsync() => _process?.StopAsync() ?? Task.CompletedTask;

    internal SupervisedProcess? Process => _process;
}

/// <summary>A queue the emulator creates, optionally with a dead-letter queue by redrive policy.</summary>
public sealed record SqsQueueDefinition(string Name, string? DeadLetterQueue, int MaxReceiveCount, TimeSpan VisibilityTimeout);

public static class SqsEmulatorBuilderExtensions
{
    /// <summary>The visibility timeout a queue gets unless told otherwise. Defaults to 30 s.</summary>
    public static readonly TimeSpan DefaultVisibilityTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Creates <paramref name="name"/> at start, with a dead-letter queue after <paramref name="maxReceiveCount"/> receives.</summary>
    public static ResourceBuilder<SqsEmulatorResource> WithQueue(
        this ResourceBuilder<SqsEmulatorResource> builder, string name, string? deadLetterQueue = null, int maxReceiveCount = 5, TimeSpan? visibilityTimeout = null)
    {
        builder.Resource.Queues.Add(new SqsQueueDefinition(name, deadLetterQueue, maxReceiveCount, visibilityTimeout ?? DefaultVisibilityTimeout));
        return builder;
    }
}
