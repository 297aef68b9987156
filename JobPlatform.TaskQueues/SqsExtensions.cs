using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

using JobPlatform.Contracts;

namespace JobPlatform.TaskQueues;

/// <summary>
/// Where the task messages travel, one queue per priority. Bound from the <c>Sqs</c> configuration
/// section, which the Api and every worker read, so one setting moves both.
/// </summary>
public sealed class SqsOptions
{
    public const string SectionName = "Sqs";

    /// <summary>
    /// The SQS endpoint, for an emulator. Taken from <c>ConnectionStrings:sqs</c> when that is set
    /// (the Aspire way); empty means real AWS SQS in the configured region.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>
    /// The SQS queue normal-priority tasks of the <c>default</c> queue are sent to. Defaults to
    /// <c>jobplatform-tasks</c>. Each other priority has a queue of its own, named with the priority
    /// after it (<c>jobplatform-tasks-critical</c>), and each other JobPlatform queue its own set,
    /// named with the queue after an '_' (<c>jobplatform-tasks_files</c>, <c>jobplatform-tasks_files-high</c>).
    /// </summary>
    public string TaskQueueName { get; set; } = "jobplatform-tasks";

    /// <summary>The SQS queue of one JobPlatform queue (see <see cref="QueueNames"/>) and priority (see <see cref="JobPriority"/>).</summary>
    public string TaskQueueNameFor(string queue, string priority)
    {
        var name = queue == QueueNames.Default ? TaskQueueName : $"{TaskQueueName}_{queue}";
        return priority == JobPriority.Normal ? name : $"{name}-{priority}";
    }

    /// <summary>The SQS queues of one JobPlatform queue, most urgent first.</summary>
    public IReadOnlyList<string> TaskQueueNamesOf(string queue) => JobPriority.All.Select(priority => TaskQueueNameFor(queue, priority)).ToList();

    /// <summary>The SQS queues of the <c>default</c> queue, most urgent first.</summary>
    public IReadOnlyList<string> TaskQueueNames => TaskQueueNamesOf(QueueNames.Default);

    /// <summary>The queue SQS moves a message to after too many receives. Defaults to <c>jobplatform-tasks-dlq</c>.</summary>
    public string DeadLetterQueueName { get; set; } = "jobplatform-tasks-dlq";

    /// <summary>The region to sign requests for. Defaults to <c>AWS_REGION</c>, else us-east-1.</summary>
    public string Region { get; set; } = Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";
}

public static class SqsExtensions
{
    /// <summary>
    /// Registers an <see cref="IAmazonSQS"/> for the resource <paramref name="connectionName"/> (unless
    /// the host registered one of its own), with a readiness check that the task queue exists.
    /// </summary>
    public static TBuilder AddSqsClient<TBuilder>(this TBuilder builder, string connectionName = "sqs") where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<SqsOptions>()
            .BindConfiguration(SqsOptions.SectionName)
            .PostConfigure(options => options.ServiceUrl ??= builder.Configuration.GetConnectionString(connectionName))
            .Validate(options => options.ServiceUrl is null || Uri.IsWellFormedUriString(options.ServiceUrl, UriKind.Absolute),
                "Sqs:ServiceUrl (or ConnectionStrings:sqs) must be an absolute URL such as http://127.0.0.1:4566.")
            .Validate(options => !string.IsNullOrWhiteSpace(options.TaskQueueName), "Sqs:TaskQueueName must not be empty.")
            .ValidateOnStart();

        builder.Services.TryAddSingleton<IAmazonSQS>(services =>
        {
            var options = services.GetRequiredService<IOptions<SqsOptions>>().Value;
            // Credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID and friends, a web
            // identity, an instance profile); an emulator accepts any.
            var config = new AmazonSQSConfig { AuthenticationRegion = options.Region };
            if (options.ServiceUrl is { } url)
            {
                config.ServiceURL = url;
            }
            else
            {
                config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
            }
            return EnvironmentCredentials() is { } credentials ? new AmazonSQSClient(credentials, config) : new AmazonSQSClient(config);
        });

        builder.Services.TryAddSingleton<SqsQueueUrls>();
        builder.Services.AddHealthChecks().AddCheck<SqsQueueHealthCheck>(connectionName);
        return builder;
    }

    /// <summary>
    /// Keys given in the environment, read once. The default chain reads the environment again on
    /// every request to notice changes a process's environment never has: a busy worker spent a few
    /// per cent of its CPU on it. Without keys there, the default chain is used as it is.
    /// </summary>
    private static AWSCredentials? EnvironmentCredentials()
    {
        var (key, secret) = (Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"), Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY"));
        if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(secret))
        {
            return null;
        }
        return Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN") is { Length: > 0 } token
            ? new SessionAWSCredentials(key, secret, token)
            : new BasicAWSCredentials(key, secret);
    }
}

/// <summary>
/// Queue URLs by name, looked up once each: a queue's URL never changes while it exists. The task
/// queues of a JobPlatform queue other than <c>default</c> are made on first use, like the default
/// one's normal queue (<see cref="SqsOptions.TaskQueueName"/>) that the deployment makes.
/// </summary>
public sealed class SqsQueueUrls(IAmazonSQS sqs, IOptions<SqsOptions> options)
{
    /// <summary>A queue's name: the last segment of its URL.</summary>
    public static string NameOf(string queueUrl) => queueUrl[(queueUrl.LastIndexOf('/') + 1)..];

    /// <summary>What a made task queue copies from the template (the default normal queue): its dead-letter queue above all.</summary>
    private static readonly List<string> Copied =
    [
        QueueAttributeName.RedrivePolicy, QueueAttributeName.VisibilityTimeout,
        QueueAttributeName.MessageRetentionPeriod, QueueAttributeName.ReceiveMessageWaitTimeSeconds,
    ];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _urls = new();

    /// <summary>
    /// Forgets a queue's URL after SQS said the queue does not exist (an emulator that restarted empty,
    /// a queue deleted by hand): the next look-up asks SQS again, and <see cref="GetOrCreateTaskQueueAsync"/>
    /// makes the queue again.
    /// </summary>
    public void Forget(string queueName) => _urls.TryRemove(queueName, out _);

    public async Task<string> GetAsync(string queueName, CancellationToken ct)
    {
        if (!_urls.TryGetValue(queueName, out var url))
        {
            url = (await sqs.GetQueueUrlAsync(new GetQueueUrlRequest { QueueName = queueName }, ct)).QueueUrl;
            _urls[queueName] = url;
        }
        return url;
    }

    /// <summary>
    /// The URL of a task queue, made first when it does not exist yet with the attributes of the
    /// default normal queue (the same dead-letter queue and redrive limit, visibility and retention).
    /// CreateQueue with the same attributes is idempotent, so the Api and any number of workers may
    /// race to make it.
    /// </summary>
    public async Task<string> GetOrCreateTaskQueueAsync(string queueName, CancellationToken ct)
    {
        try
        {
            return await GetAsync(queueName, ct);
        }
        catch (QueueDoesNotExistException) when (queueName != options.Value.TaskQueueName)
        {
            var template = await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
            {
                QueueUrl = await GetAsync(options.Value.TaskQueueName, ct),
                AttributeNames = Copied,
            }, ct);
            var url = (await sqs.CreateQueueAsync(new CreateQueueRequest
            {
                QueueName = queueName,
                Attributes = (template.Attributes ?? []).Where(a => Copied.Contains(a.Key)).ToDictionary(),
            }, ct)).QueueUrl;
            _urls[queueName] = url;
            return url;
        }
    }
}

/// <summary>How long messages waited in their queue.</summary>
public static class SqsMessageAge
{
    /// <summary>
    /// The histogram every receiver records, by queue: SQS's API does not say how old a queue's
    /// oldest message is (that is a CloudWatch metric), so each message's wait is measured as it is
    /// received; the largest recent value is the age of the oldest message that left the queue.
    /// </summary>
    public const string InstrumentName = "jobplatform.queue.message.age";

    /// <summary>Ask SQS for this system attribute to measure the age.</summary>
    public const string SentTimestamp = "SentTimestamp";

    /// <summary>Seconds since SQS accepted the message, or null when it did not say.</summary>
    public static double? Of(Message message, DateTimeOffset now) =>
        message.Attributes?.TryGetValue(SentTimestamp, out var sent) == true && long.TryParse(sent, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var milliseconds)
            ? Math.Max(0, (now - DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)).TotalSeconds)
            : null;
}

/// <summary>Ready when the task queue can be found.</summary>
internal sealed class SqsQueueHealthCheck(IAmazonSQS sqs, IOptions<SqsOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await sqs.GetQueueUrlAsync(new GetQueueUrlRequest { QueueName = options.Value.TaskQueueName }, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or AmazonClientException)
        {
            return HealthCheckResult.Unhealthy($"SQS queue '{options.Value.TaskQueueName}' is not reachable: {ex.Message}", ex);
        }
    }
}
