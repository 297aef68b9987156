using System.Diagnostics;
using System.Text.Json;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace JobPlatform.Worker.Sdk.Pipeline;

/// <summary>
/// The pipeline's second step: reads each received message's task and claims it (POST
/// /api/v1/tasks/claims), then hands a granted task to <see cref="TaskRunner"/> and a refused one's
/// message to <see cref="MessageDeleter"/>: a refusal (finished, cancelled, leased to another worker,
/// unknown) means this copy has nothing to do. Claims go in batches, the way
/// <see cref="TaskReporter"/> sends reports: what the receive loops bring in while a claim is in
/// flight goes in the next one, so under load one request and one transaction claim what several
/// receives brought. Idle, a receive's claims go out at once.
/// </summary>
internal sealed class TaskClaimer : IAsyncDisposable
{
    /// <summary>The most claims in one request (the Api's limit).</summary>
    public const int MaxBatch = WorkerRoutes.MaxClaimBatch;

    private const int Concurrency = 2;

    private readonly TaskRunner _runner;
    private readonly MessageDeleter _deleter;
    private readonly WorkerOptions _options;
    private readonly ILogger<TaskClaimer> _logger;
    private readonly Batcher<TaskClaimItem, TaskClaimResult> _batcher;

    /// <summary>The types this worker has handlers for.</summary>
    private readonly HashSet<string> _types;

    /// <summary>The types of messages left for other workers, each logged once.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _leftTypes = new(StringComparer.Ordinal);

    public TaskClaimer(IServiceProvider services, TaskRunner runner, MessageDeleter deleter, ClaimBackoff backoff,
        IEnumerable<Handlers.TaskHandlerRegistration> handlers, IOptions<WorkerOptions> options, ILogger<TaskClaimer> logger)
    {
        _types = handlers.Select(h => h.Type).ToHashSet(StringComparer.Ordinal);
        _runner = runner;
        _deleter = deleter;
        _options = options.Value;
        _logger = logger;
        _batcher = new(async claims =>
            {
                try
                {
                    // A typed client per batch: the factory rotates its handlers.
                    var results = await services.GetRequiredService<JobPlatformApiClient>().ClaimTasksAsync(
                        new ClaimTasksRequest(_options.WorkerId, claims, _options.VisibilityTimeout), CancellationToken.None);
                    backoff.Succeeded();
                    return results;
                }
                catch (Exception ex)
                {
                    backoff.Failed(ex);
                    throw;
                }
            },
            MaxBatch, Concurrency, spanName: "claim tasks");
    }

    /// <summary>Claims the tasks of one receive and returns at once; each message goes on from here.</summary>
    public void Claim(IReadOnlyList<ReceivedMessage> received) => _ = ClaimAsync(received);

    private async Task ClaimAsync(IReadOnlyList<ReceivedMessage> received)
    {
        // One receive, claimed together: its span continues the first message's trace and links the
        // others', so the claim and its SQL show in the job's trace.
        var traces = received.Select(r => TaskTracing.Extract(r.Message)).ToList();
        using var receive = TaskTracing.StartMessaging("receive", received[0].Queue, ActivityKind.Client, traces[0],
            traces.Skip(1).Where(t => t != default && t.TraceId != traces[0].TraceId).Select(t => new ActivityLink(t)));
        receive?.SetTag(TaskTracing.MessagingBatchCount, received.Count);
        receive?.SetTag(TaskTracing.WorkerId, _options.WorkerId);

        var claims = new List<(ReceivedMessage Message, TaskClaimItem Claim, Task<TaskClaimResult> Result)>(received.Count);
        foreach (var message in received)
        {
            if (Read(message) is not { } task)
            {
                await _deleter.ReturnAsync(message);
                continue;
            }
            if (task.Type is { } type && !_types.Contains(type))
            {
                // Sent before this worker said which types it runs (the Api sends a queue only the types
                // all its live workers run): not claimed, so no attempt is spent, and it reappears for
                // another worker after its visibility timeout.
                if (_leftTypes.TryAdd(type, true))
                {
                    _logger.LogWarning("Received a task of type '{Type}', which this worker has no handler for; leaving it to a worker that has (logged once per type)", type);
                }
                message.Done();
                continue;
            }
            // Each claim joins whatever batch the other loops' receives are filling.
            var claim = new TaskClaimItem(task.TaskId, Guid.CreateVersion7(), message.ReceiveCount, message.Message.MessageId);
            claims.Add((message, claim, _batcher.SendAsync(claim)));
        }

        foreach (var (message, claim, pending) in claims)
        {
            TaskClaimResult result;
            try
            {
                result = await pending;
            }
            catch (Exception ex)
            {
                // Not claimed as far as this worker knows: the message reappears after its visibility
                // timeout, and a claim that did go through has a lease that ends with it. ClaimBackoff
                // says once that claims are failing.
                _logger.LogDebug("Claiming task {TaskId} failed ({Error}); its message will be delivered again", claim.TaskId, ex.Message);
                message.Done();
                continue;
            }
            if (result.Grant is { } grant)
            {
                // Each task runs in a span of its own (its job's trace), which outlives the receive's.
                _runner.Run(message, grant, receive?.Context ?? default);
                continue;
            }
            _logger.LogDebug("Claim of task {TaskId} refused (task is {Status}); dropping its message", result.TaskId, result.TaskStatus ?? "unknown");
            _deleter.Drop(message);
        }
    }

    /// <summary>A message's task, or null for a message that is not a task message.</summary>
    private TaskMessage? Read(ReceivedMessage message)
    {
        TaskMessage? task;
        try
        {
            task = JsonSerializer.Deserialize<TaskMessage>(message.Message.Body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            task = null;
        }
        if (task is null || task.TaskId == Guid.Empty)
        {
            _logger.LogWarning("Message {MessageId} is not a task message; returning it to the queue for the dead-letter queue", message.Message.MessageId);
            return null;
        }
        return task;
    }

    public ValueTask DisposeAsync() => _batcher.DisposeAsync();
}
