using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace JobPlatform.Worker.Sdk.Queues;

/// <summary>The worker's SQS client, and a readiness check that the task queue can be found.</summary>
internal static class TaskQueueClient
{
    /// <summary>
    /// Registers an <see cref="IAmazonSQS"/> for the resource <paramref name="connectionName"/>, unless
    /// the host registered one of its own, and the health check <paramref name="connectionName"/>.
    /// </summary>
    public static void AddTaskQueueClient(this IHostApplicationBuilder builder, string connectionName = "sqs")
    {
        builder.Services.AddOptions<TaskQueueOptions>()
            .BindConfiguration(TaskQueueOptions.SectionName)
            .PostConfigure(options => options.ServiceUrl ??= builder.Configuration.GetConnectionString(connectionName))
            .Validate(options => options.ServiceUrl is null || Uri.IsWellFormedUriString(options.ServiceUrl, UriKind.Absolute),
                "Sqs:ServiceUrl (or ConnectionStrings:sqs) must be an absolute URL such as http://127.0.0.1:4566.")
            .Validate(options => !string.IsNullOrWhiteSpace(options.TaskQueueName), "Sqs:TaskQueueName must not be empty.")
            .ValidateOnStart();

        builder.Services.TryAddSingleton<IAmazonSQS>(services =>
        {
            var options = services.GetRequiredService<IOptions<TaskQueueOptions>>().Value;
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
        builder.Services.AddHealthChecks().AddCheck<TaskQueueHealthCheck>(connectionName);
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

/// <summary>Ready when the task queue can be found.</summary>
internal sealed class TaskQueueHealthCheck(IAmazonSQS sqs, IOptions<TaskQueueOptions> options) : IHealthCheck
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
