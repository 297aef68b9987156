using JobPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace JobPlatform.Worker;

/// <summary>
/// Claims received tasks in batches (POST /api/v1/tasks/claims), the way <see cref="TaskReporter"/>
/// sends reports: what the receive loops bring in while a claim is in flight goes in the next one, so
/// under load one request and one transaction claim what several receives brought. Idle, a receive's
/// claims go out at once. Each caller gets its own task's answer.
/// </summary>
public sealed class TaskClaimer(IServiceProvider services, IOptions<WorkerOptions> options) : IAsyncDisposable
{
    /// <summary>The most claims in one request (the Api's limit).</summary>
    public const int MaxBatch = WorkerRoutes.MaxClaimBatch;

    private const int Concurrency = 2;

    private readonly Batcher<TaskClaimItem, TaskClaimResult> _batcher = new(
        async claims => await services.GetRequiredService<JobPlatformApiClient>().ClaimTasksAsync(
            new ClaimTasksRequest(options.Value.WorkerId, claims, options.Value.VisibilityTimeout), CancellationToken.None),
        MaxBatch, Concurrency, spanName: "claim tasks");

    /// <summary>Claims one received task, from inside its receive's span; returns the Api's answer for it.</summary>
    public Task<TaskClaimResult> ClaimAsync(TaskClaimItem claim) => _batcher.SendAsync(claim);

    public ValueTask DisposeAsync() => _batcher.DisposeAsync();
}
