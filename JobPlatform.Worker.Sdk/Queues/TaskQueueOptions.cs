using JobPlatform.Contracts;

namespace JobPlatform.Worker.Sdk.Queues;

/// <summary>
/// Where the worker receives tasks: the SQS queues the Api sends them to, one per priority. Bound
/// from <c>Sqs</c>, the section the Api reads, so one setting moves both.
/// </summary>
internal sealed class TaskQueueOptions
{
    public const string SectionName = "Sqs";

    /// <summary>
    /// The SQS endpoint, for an emulator. Taken from <c>ConnectionStrings:sqs</c> when that is set
    /// (the Aspire way); empty means real AWS SQS in the configured region.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>
    /// The queue of normal-priority tasks. Each other priority has a queue of its own, named with the
    /// priority after it (<c>jobplatform-tasks-critical</c>). Defaults to <c>jobplatform-tasks</c>.
    /// </summary>
    public string TaskQueueName { get; set; } = "jobplatform-tasks";

    /// <summary>The region to sign requests for. Defaults to <c>AWS_REGION</c>, else us-east-1.</summary>
    public string Region { get; set; } = Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";

    /// <summary>The queue of one priority (see <see cref="JobPriority"/>).</summary>
    public string TaskQueueNameFor(string priority) => priority == JobPriority.Normal ? TaskQueueName : $"{TaskQueueName}-{priority}";

    /// <summary>Every task queue, most urgent first.</summary>
    public IReadOnlyList<string> TaskQueueNames => JobPriority.All.Select(TaskQueueNameFor).ToList();

    /// <summary>A queue's name: the last segment of its URL.</summary>
    public static string NameOf(string queueUrl) => queueUrl[(queueUrl.LastIndexOf('/') + 1)..];
}
