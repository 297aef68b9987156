using JobPlatform.Api.Lifecycle;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Lifecycle;

/// <summary>
/// A test of the lifecycle's classes called directly on a <see cref="StoreDatabase"/> of its own, in
/// the words a worker and a tenant use: claim, succeed, fail, cancel, retry. Every test ends with the
/// lifecycle's invariants checked (<see cref="Observed.AssertInvariantsAsync"/>).
/// </summary>
public abstract class StoreTests(JobPlatformFixture fixture) : IAsyncLifetime
{
    /// <summary>The most a race may take: one that never ends fails the test instead of hanging it.</summary>
    private static readonly TimeSpan RaceTimeout = TimeSpan.FromSeconds(30);

    private static readonly CancellationToken None = CancellationToken.None;

    protected StoreDatabase Store { get; private set; } = null!;
    protected Rows Rows => Store.Rows;
    protected Observed Observed => Store.Observed;

    public async Task InitializeAsync() => Store = await StoreDatabase.CreateAsync(fixture);

    public async Task DisposeAsync() => await Store.DisposeAsync();

    protected async Task<ClaimOutcome> ClaimAsync(Guid taskId, Guid attemptId, string workerId, string? messageId = null) =>
        (await Store.Protocol.ClaimAsync([new TaskClaim(taskId, attemptId, messageId)], workerId, TimeSpan.FromMinutes(5), None))[0];

    /// <summary>The attempt that ran <paramref name="task"/> reports success.</summary>
    protected Task<ReportOutcome> SucceedAsync(TaskRow task) => ReportAsync(AttemptReport.Succeeded(task.Id, task.Attempt, null));

    /// <summary>The attempt that ran <paramref name="task"/> reports a failure.</summary>
    protected Task<ReportOutcome> FailAsync(TaskRow task, bool retryable = false) =>
        ReportAsync(AttemptReport.Failed(task.Id, task.Attempt, "boom", null, retryable));

    protected async Task<ReportOutcome> ReportAsync(AttemptReport report) => (await ReportAsync([report]))[0];

    protected Task<IReadOnlyList<ReportOutcome>> ReportAsync(IReadOnlyList<AttemptReport> reports) =>
        Store.Protocol.ReportAsync(reports, (_, _) => TimeSpan.FromSeconds(1), None);

    protected Task<JobCommandOutcome> CancelAsync(JobRow job) => Store.Commands.CancelJobAsync(job.TenantId, job.Id, None);

    protected Task<JobCommandOutcome> RetryJobAsync(JobRow job) => Store.Commands.RetryJobAsync(job.TenantId, job.Id, None);

    protected Task<JobCommandOutcome> RetryTaskAsync(JobRow job, TaskRow task) => Store.Commands.RetryTaskAsync(job.TenantId, job.Id, task.Id, None);

    protected Task<ReconcileResult?> ReconcileAsync() => Store.Reconciliation.ReconcileAsync(TimeSpan.Zero, TimeSpan.FromMinutes(10), emptyQueues: [], batchSize: 100, None);

    /// <summary>
    /// Starts <paramref name="action"/> and returns it in flight once it waits for a lock, as the
    /// <paramref name="waiters"/>-th session of the database to wait (or once it ended without waiting).
    /// </summary>
    protected async Task<Task<T>> QueueAsync<T>(Func<Task<T>> action, int waiters = 1)
    {
        var running = Task.Run(action);
        await Task.WhenAny(running, Store.WaitForLockWaitersAsync(waiters));
        return running;
    }

    /// <summary>
    /// Runs <paramref name="first"/> and <paramref name="second"/> at once on rows another
    /// transaction holds (<paramref name="locked"/>): each is started and seen queued on a lock in
    /// turn, then the rows are released, so both are in flight together and <paramref name="first"/>
    /// is first in the queue. Fails if either throws (a deadlock PostgreSQL broke) or never ends.
    /// </summary>
    protected async Task<(T1 First, T2 Second)> RaceAsync<T1, T2>(HeldLock locked, Func<Task<T1>> first, Func<Task<T2>> second)
    {
        await using (locked)
        {
            var one = await QueueAsync(first, waiters: 1);
            var two = await QueueAsync(second, waiters: 2);
            await locked.ReleaseAsync();
            return (await Finished(one), await Finished(two));
        }
    }

    /// <summary>Awaits work in flight, failing rather than hanging if it never ends.</summary>
    protected static Task<T> Finished<T>(Task<T> inFlight) => inFlight.WaitAsync(RaceTimeout);
}
