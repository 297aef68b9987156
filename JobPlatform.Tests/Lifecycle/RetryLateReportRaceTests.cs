using JobPlatform.Api.Lifecycle;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Lifecycle;

/// <summary>
/// A tenant's retry against a late report from the attempt that ended the task: the retry gives the
/// task a fresh allowance and a new message, and the late report, whenever it lands, never moves the
/// retried task and never counts it.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class RetryLateReportRaceTests(JobPlatformFixture fixture) : StoreTests(fixture)
{
    /// <summary>
    /// The failed attempt's report arrives again after the retry (its first answer was lost): stale,
    /// its attempt keeps its first end, and the next claim still runs the retried task.
    /// </summary>
    [Fact]
    public async Task RetryTask_ThenLateReport_IsStale_AndTheRetriedTaskRunsAgain()
    {
        var job = await Rows.JobAsync(JobStatus.Failed);
        var failed = await Rows.TaskAsync(job, JobTaskStatus.Failed, attempts: 3);
        var succeeded = await Rows.TaskAsync(job, JobTaskStatus.Succeeded);

        Assert.Equal(new JobCommandOutcome.Done(1), await RetryTaskAsync(job, failed));
        Assert.Equal(new ReportOutcome.Stale(JobTaskStatus.Pending), await FailAsync(failed));

        Assert.Equal(new TaskState(JobTaskStatus.Pending, 3, 6, null, Rows.WorkerId, Leased: false, Finished: false), await Observed.TaskAsync(failed.Id));
        Assert.Equal(new AttemptState(3, Rows.WorkerId, AttemptOutcome.Failed, Ended: true), await Observed.AttemptAsync(failed.Attempt));
        Assert.Equal(1, await Observed.OutboxCountAsync(failed.Id));
        Assert.Equal(new JobState(JobStatus.Running, FinishedTasks: 1, FailedTasks: 0, Finished: false), await Observed.JobAsync(job.Id));

        var next = Guid.NewGuid();
        Assert.IsType<ClaimOutcome.Granted>(await ClaimAsync(failed.Id, next, "worker-b"));
        Assert.Equal(new TaskState(JobTaskStatus.Running, 4, 6, next, "worker-b", Leased: true, Finished: false), await Observed.TaskAsync(failed.Id));
        Assert.Equal(new ReportOutcome.Stale(JobTaskStatus.Running), await FailAsync(failed));
        Assert.Equal(new ReportOutcome.Applied(JobTaskStatus.Succeeded, null), await SucceedAsync(failed with { AttemptId = next }));
        Assert.Equal(new JobState(JobStatus.Completed, FinishedTasks: 2, FailedTasks: 0, Finished: true), await Observed.JobAsync(job.Id));
    }

    /// <summary>The late report first is stale on the failed task; the retry after it is exactly as if it never came.</summary>
    [Fact]
    public async Task LateReport_ThenRetryTask_LeavesTheSameRetriedTask()
    {
        var job = await Rows.JobAsync(JobStatus.Failed);
        var failed = await Rows.TaskAsync(job, JobTaskStatus.Failed, attempts: 3);
        await Rows.TaskAsync(job, JobTaskStatus.Succeeded);

        Assert.Equal(new ReportOutcome.Stale(JobTaskStatus.Failed), await FailAsync(failed));
        Assert.Equal(new JobState(JobStatus.Failed, FinishedTasks: 2, FailedTasks: 1, Finished: true), await Observed.JobAsync(job.Id));
        Assert.Equal(new JobCommandOutcome.Done(1), await RetryTaskAsync(job, failed));

        Assert.Equal(new TaskState(JobTaskStatus.Pending, 3, 6, null, Rows.WorkerId, Leased: false, Finished: false), await Observed.TaskAsync(failed.Id));
        Assert.Equal(new AttemptState(3, Rows.WorkerId, AttemptOutcome.Failed, Ended: true), await Observed.AttemptAsync(failed.Attempt));
        Assert.Equal(1, await Observed.OutboxCountAsync(failed.Id));
        Assert.Equal(new JobState(JobStatus.Running, FinishedTasks: 1, FailedTasks: 0, Finished: false), await Observed.JobAsync(job.Id));
    }

    /// <summary>
    /// A job cancelled while a task ran is retried while that task's worker, which never heard of the
    /// cancel, reports success; both at once, in either order. The success is stale either way (the
    /// task reruns: at least once), it closes its open attempt, and the retry counts nothing twice.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RetryJob_AndALateSuccess_AtOnce_NeverMoveTheRetriedTask(bool retryQueuesFirst)
    {
        var job = await Rows.JobAsync(JobStatus.Cancelled);
        var wasRunning = await Rows.TaskAsync(job, JobTaskStatus.Cancelled, attempts: 1);
        var neverRan = await Rows.TaskAsync(job, JobTaskStatus.Cancelled);

        var held = await Store.LockTasksAsync(wasRunning.Id);
        var (retry, report) = retryQueuesFirst
            ? await RaceAsync(held, () => RetryJobAsync(job), () => SucceedAsync(wasRunning))
            : Swap(await RaceAsync(held, () => SucceedAsync(wasRunning), () => RetryJobAsync(job)));

        Assert.Equal(new JobCommandOutcome.Done(2), retry);
        Assert.Equal(new ReportOutcome.Stale(retryQueuesFirst ? JobTaskStatus.Pending : JobTaskStatus.Cancelled), report);
        Assert.Equal(new TaskState(JobTaskStatus.Pending, 1, 4, null, Rows.WorkerId, Leased: false, Finished: false), await Observed.TaskAsync(wasRunning.Id));
        Assert.Equal(new AttemptState(1, Rows.WorkerId, AttemptOutcome.Succeeded, Ended: true), await Observed.AttemptAsync(wasRunning.Attempt));
        Assert.Equal(new TaskState(JobTaskStatus.Pending, 0, 3, null, null, Leased: false, Finished: false), await Observed.TaskAsync(neverRan.Id));
        Assert.Equal(1, await Observed.OutboxCountAsync(wasRunning.Id));
        Assert.Equal(1, await Observed.OutboxCountAsync(neverRan.Id));
        Assert.Equal(new JobState(JobStatus.Running, FinishedTasks: 0, FailedTasks: 0, Finished: false), await Observed.JobAsync(job.Id));
    }

    /// <summary>
    /// The reconciler dead-lettered a task whose worker stopped reporting on its last attempt; the
    /// worker was only paused, and its failure lands while the task is retried, in either order. The
    /// attempt stays recorded as lost, and the retried task is not failed again.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RetryTask_AndALateFailureOfALostAttempt_AtOnce_NeverFailTheRetriedTask(bool retryQueuesFirst)
    {
        var job = await Rows.JobAsync(JobStatus.Running, failureThreshold: 1);
        var lost = await Rows.TaskAsync(job, JobTaskStatus.DeadLettered, attempts: 3);
        var other = await Rows.TaskAsync(job, JobTaskStatus.Running);

        var held = await Store.LockTasksAsync(lost.Id);
        var (retry, report) = retryQueuesFirst
            ? await RaceAsync(held, () => RetryTaskAsync(job, lost), () => FailAsync(lost))
            : Swap(await RaceAsync(held, () => FailAsync(lost), () => RetryTaskAsync(job, lost)));

        Assert.Equal(new JobCommandOutcome.Done(1), retry);
        Assert.Equal(new ReportOutcome.Stale(retryQueuesFirst ? JobTaskStatus.Pending : JobTaskStatus.DeadLettered), report);
        Assert.Equal(new TaskState(JobTaskStatus.Pending, 3, 6, null, Rows.WorkerId, Leased: false, Finished: false), await Observed.TaskAsync(lost.Id));
        Assert.Equal(new AttemptState(3, Rows.WorkerId, AttemptOutcome.Lost, Ended: true), await Observed.AttemptAsync(lost.Attempt));
        Assert.Equal(new JobState(JobStatus.Running, FinishedTasks: 0, FailedTasks: 0, Finished: false), await Observed.JobAsync(job.Id));
        Assert.Equal(new ReportOutcome.Applied(JobTaskStatus.Succeeded, null), await SucceedAsync(other));
    }

    private static (JobCommandOutcome, ReportOutcome) Swap((ReportOutcome Report, JobCommandOutcome Retry) race) => (race.Retry, race.Report);
}
