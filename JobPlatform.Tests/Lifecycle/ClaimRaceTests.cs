using JobPlatform.Api.Lifecycle;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Lifecycle;

/// <summary>
/// Two workers claiming one task (SQS delivered its message twice, or redelivered it to another
/// worker): exactly one attempt holds the task at a time, the same attempt asking again gets its own
/// grant back, and a lease that ran out is taken over with the lost attempt on record.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class ClaimRaceTests(JobPlatformFixture fixture) : StoreTests(fixture)
{
    private static readonly Guid First = Guid.NewGuid();
    private static readonly Guid Second = Guid.NewGuid();

    /// <summary>The first claim is granted and starts the job; another attempt is refused while the lease holds; the first again gets the same grant.</summary>
    [Fact]
    public async Task Claim_ThenAnotherAttemptsClaim_IsRefused_AndTheSameAttemptGetsItsGrantBack()
    {
        var job = await Rows.JobAsync(JobStatus.Enqueued);
        var task = await Rows.TaskAsync(job, JobTaskStatus.Enqueued);

        var grant = Assert.IsType<ClaimOutcome.Granted>(await ClaimAsync(task.Id, First, "worker-a"));
        Assert.Equal(1, grant.Attempt);
        Assert.Equal(new ClaimOutcome.Refused(JobTaskStatus.Running), await ClaimAsync(task.Id, Second, "worker-b"));
        var again = Assert.IsType<ClaimOutcome.Granted>(await ClaimAsync(task.Id, First, "worker-a"));
        Assert.Equal((grant.Attempt, grant.LeaseExpiresAt, grant.JobId), (again.Attempt, again.LeaseExpiresAt, again.JobId));

        Assert.Equal(new TaskState(JobTaskStatus.Running, 1, 3, First, "worker-a", Leased: true, Finished: false), await Observed.TaskAsync(task.Id));
        Assert.Equal(new AttemptState(1, "worker-a", Outcome: null, Ended: false), await Observed.AttemptAsync(First));
        Assert.Equal(1, await Observed.AttemptCountAsync(task.Id));
        Assert.Equal(new JobState(JobStatus.Running, FinishedTasks: 0, FailedTasks: 0, Finished: false), await Observed.JobAsync(job.Id));
    }

    /// <summary>
    /// A claim after the lease ran out takes the task over as the next attempt and records the
    /// previous one as lost; that attempt's late success is then stale and leaves it lost.
    /// </summary>
    [Fact]
    public async Task Claim_AfterTheLeaseExpired_TakesOver_AndTheLostAttemptsLateReportIsStale()
    {
        var job = await Rows.JobAsync();
        var task = await Rows.TaskAsync(job, JobTaskStatus.Running, leaseExpiresAt: Rows.ExpiredLease, attemptId: First);

        var grant = Assert.IsType<ClaimOutcome.Granted>(await ClaimAsync(task.Id, Second, "worker-b"));
        Assert.Equal(2, grant.Attempt);
        Assert.Equal(new TaskState(JobTaskStatus.Running, 2, 3, Second, "worker-b", Leased: true, Finished: false), await Observed.TaskAsync(task.Id));
        Assert.Equal(new AttemptState(1, Rows.WorkerId, AttemptOutcome.Lost, Ended: true), await Observed.AttemptAsync(First));
        Assert.Equal(new AttemptState(2, "worker-b", Outcome: null, Ended: false), await Observed.AttemptAsync(Second));

        Assert.Equal(new ReportOutcome.Stale(JobTaskStatus.Running), await SucceedAsync(task));
        Assert.Equal(new AttemptState(1, Rows.WorkerId, AttemptOutcome.Lost, Ended: true), await Observed.AttemptAsync(First));
        Assert.Equal(new TaskState(JobTaskStatus.Running, 2, 3, Second, "worker-b", Leased: true, Finished: false), await Observed.TaskAsync(task.Id));
    }

    /// <summary>A lease that ran out on the task's last attempt is not taken over: the reconciler dead-letters it.</summary>
    [Fact]
    public async Task Claim_AfterTheLastAttemptsLeaseExpired_IsRefused_AndTheReconcilerDeadLettersIt()
    {
        var job = await Rows.JobAsync(failureThreshold: 1);
        var task = await Rows.TaskAsync(job, JobTaskStatus.Running, attempts: 3, leaseExpiresAt: Rows.ExpiredLease, attemptId: First);
        await Rows.TaskAsync(job, JobTaskStatus.Succeeded);

        Assert.Equal(new ClaimOutcome.Refused(JobTaskStatus.Running), await ClaimAsync(task.Id, Second, "worker-b"));
        Assert.Equal(new ReconcileResult(Requeued: 0, Failed: 1, Resent: 0, Cancelled: 0, JobsFinished: 0), await ReconcileAsync());

        Assert.Equal(new TaskState(JobTaskStatus.DeadLettered, 3, 3, null, Rows.WorkerId, Leased: false, Finished: true), await Observed.TaskAsync(task.Id));
        Assert.Equal(new AttemptState(3, Rows.WorkerId, AttemptOutcome.Lost, Ended: true), await Observed.AttemptAsync(First));
        Assert.Equal(new JobState(JobStatus.Completed, FinishedTasks: 2, FailedTasks: 1, Finished: true), await Observed.JobAsync(job.Id));
    }

    /// <summary>
    /// Two attempts of two workers claim at once, queued behind a third transaction that holds the
    /// task, whether it waits to run or its lease ran out: exactly one is granted (the first in the
    /// queue), the other is refused, and only the winner has an attempt row.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TwoClaims_AtOnce_GrantExactlyOne(bool afterExpiredLease)
    {
        var job = await Rows.JobAsync();
        var lost = Guid.NewGuid();
        var task = afterExpiredLease
            ? await Rows.TaskAsync(job, JobTaskStatus.Running, leaseExpiresAt: Rows.ExpiredLease, attemptId: lost)
            : await Rows.TaskAsync(job, JobTaskStatus.Enqueued);

        var (first, second) = await RaceAsync(await Store.LockTasksAsync(task.Id),
            () => ClaimAsync(task.Id, First, "worker-a"), () => ClaimAsync(task.Id, Second, "worker-b"));

        var attempt = afterExpiredLease ? 2 : 1;
        Assert.Equal(attempt, Assert.IsType<ClaimOutcome.Granted>(first).Attempt);
        Assert.Equal(new ClaimOutcome.Refused(JobTaskStatus.Running), second);
        Assert.Equal(new TaskState(JobTaskStatus.Running, attempt, 3, First, "worker-a", Leased: true, Finished: false), await Observed.TaskAsync(task.Id));
        Assert.Equal(new AttemptState(attempt, "worker-a", Outcome: null, Ended: false), await Observed.AttemptAsync(First));
        Assert.Equal(attempt, await Observed.AttemptCountAsync(task.Id));
        if (afterExpiredLease)
        {
            Assert.Equal(new AttemptState(1, Rows.WorkerId, AttemptOutcome.Lost, Ended: true), await Observed.AttemptAsync(lost));
        }
    }
}
