using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using JobPlatform.Api.Data;
using JobPlatform.Api.Lifecycle;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;
using Npgsql;

namespace JobPlatform.Api.Services;

/// <summary>
/// Empties the dead-letter queue into PostgreSQL: every message is recorded (whatever its body) and
/// a task it names is marked dead_lettered. A message is deleted only after its record committed,
/// so none is ever lost. Safe with several Api replicas: records are idempotent per message id.
/// </summary>
public sealed class DeadLetterDrainer(
    IAmazonSQS sqs,
    SqsQueueUrls queueUrls,
    DeadLetters deadLetters,
    IOptions<SqsOptions> options,
    ApiMetrics metrics,
    ILogger<DeadLetterDrainer> logger) : BackgroundService
{
    /// <summary>Why a dead letter whose task has finished, or has another message on the way, leaves the task alone.</summary>
    public const string LeftAloneReason = "Its task had finished, or already had another message on the way.";

    private const int LongPollSeconds = 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var queueUrl = await queueUrls.GetAsync(options.Value.DeadLetterQueueName, stoppingToken);
                while (!stoppingToken.IsCancellationRequested)
                {
                    var response = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
                    {
                        QueueUrl = queueUrl,
                        MaxNumberOfMessages = 10,
                        WaitTimeSeconds = LongPollSeconds,
                        MessageSystemAttributeNames = [MessageSystemAttributeName.ApproximateReceiveCount, SqsMessageAge.SentTimestamp],
                    }, stoppingToken);
                    backoff.Succeeded();
                    foreach (var message in response.Messages ?? [])
                    {
                        if (SqsMessageAge.Of(message, DateTimeOffset.UtcNow) is { } age)
                        {
                            metrics.MessageReceived(options.Value.DeadLetterQueueName, age);
                        }
                        await RecordAsync(message, stoppingToken);
                        await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle, stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                // The message stays in the dead-letter queue and is received again later.
                var delay = backoff.Failed();
                logger.LogWarning(backoff.Failures == 1 ? ex : null, "Dead-letter drain paused ({Error}); trying again in {Delay}", ex.Message, delay);
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    private async Task RecordAsync(Message message, CancellationToken ct)
    {
        // The count the main queue gave up at is not carried over; the dead-letter queue's own count
        // says how often this drainer has seen it.
        var receiveCount = message.Attributes?.TryGetValue(MessageSystemAttributeName.ApproximateReceiveCount, out var count) == true
            ? int.Parse(count, CultureInfo.InvariantCulture)
            : 1;
        Guid? taskId = null;
        string reason;
        try
        {
            var named = JsonSerializer.Deserialize<TaskMessage>(message.Body, JsonSerializerOptions.Web)?.TaskId;
            taskId = named == Guid.Empty ? null : named;
            reason = taskId is null ? "The message names no task." : LeftAloneReason;
        }
        catch (JsonException ex)
        {
            reason = $"The message is not a task message: {ex.Message}";
        }

        var outcome = await deadLetters.RecordAsync(message.MessageId, message.Body, taskId, receiveCount, reason, ct);
        metrics.DeadLettered(outcome == DeadLetterOutcome.DeadLettered ? 1 : 0);
        switch (outcome)
        {
            case DeadLetterOutcome.DeadLettered:
                logger.LogWarning("Dead letter {MessageId}: task {TaskId} is dead_lettered. {Reason}", message.MessageId, taskId, DeadLetters.CrashReason);
                break;
            case DeadLetterOutcome.Resent:
                logger.LogInformation("Dead letter {MessageId}: task {TaskId} never ran from it and was sent again", message.MessageId, taskId);
                break;
            case DeadLetterOutcome.StaleCopy:
                logger.LogInformation("Dead letter {MessageId}: a stale copy; task {TaskId} is running from another message", message.MessageId, taskId);
                break;
            default:
                logger.LogWarning("Dead letter {MessageId} recorded: {Reason}", message.MessageId, reason);
                break;
        }
    }
}
