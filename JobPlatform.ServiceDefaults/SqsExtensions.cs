using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Where the task messages travel. Bound from the <c>Sqs</c> configuration section.</summary>
public sealed class SqsOptions
{
    public const string SectionName = "Sqs";

    /// <summary>
    /// The SQS endpoint, for an emulator. Taken from <c>ConnectionStrings:sqs</c> when that is set
    /// (the Aspire way); empty means real AWS SQS in the configured region.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>
    /// The queue normal-priority tasks are sent to. Defaults to <c>jobplatform-tasks</c>. Each other
    /// priority has a queue of its own, named with the priority after it (<c>jobplatform-tasks-critical</c>).
    /// </summary>
    public string TaskQueueName { get; set; } = "jobplatform-tasks";

    /// <summary>The queue of one priority (see <see cref="JobPlatform.Contracts.JobPriority"/>).</summary>
    public string TaskQueueNameFor(string priority) => priority == JobPlatform.Contracts.JobPriority.Normal ? TaskQueueName : $"{TaskQueueName}-{priority}";

    /// <summary>Every task queue, most urgent first.</summary>
    public IReadOnlyList<string> TaskQueueNames => JobPlatform.Contracts.JobPriority.All.Select(TaskQueueNameFor).ToList();

    /// <summary>The queue SQS moves a message to after too many receives. Defaults to <c>jobplatform-tasks-dlq</c>.</summary>
    public string DeadLetterQueueName { get; set; } = "jobplatform-tasks-dlq";

    /// <summary>The region to sign requests for. Defaults to <c>AWS_REGION</c>, else us-east-1.</summary>
    public string Region { get; set; } = Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";
}

public static class SqsExtensions
{
    /// <summary>
    /// Registers an <see cref="IAmazonSQS"/> for the resource <paramref name="connectionName"/>, with
    /// a readiness check that the task queue exists.
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

        builder.Services.AddSingleton<IAmazonSQS>(services =>
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

        builder.Services.AddSingleton<SqsQueueUrls>();
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

/// <summary>Queue URLs by name, looked up once each: a queue's URL never changes while it exists.</summary>
public sealed class SqsQueueUrls(IAmazonSQS sqs)
{
    /// <summary>A queue's name: the last segment of its URL.</summary>
    public static string NameOf(string queueUrl) => queueUrl[(queueUrl.LastIndexOf('/') + 1)..];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _urls = new();

    public async Task<string> GetAsync(string queueName, CancellationToken ct)
    {
        if (!_urls.TryGetValue(queueName, out var url))
        {
            url = (await sqs.GetQueueUrlAsync(new GetQueueUrlRequest { QueueName = queueName }, ct)).QueueUrl;
            _urls[queueName] = url;
        }
        return url;
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
        message.Attributes?.TryGetValue(SentTimestamp, out var sent) == true && long.TryParse(sent, out var milliseconds)
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
