using JobPlatform.Api.Lifecycle;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Lifecycle;

/// <summary>
/// The failure that exceeds a job's threshold fails it at once and cancels its unfinished tasks,
/// skipping those another transaction holds (JobCounters.CancelLeftoversAsync): "their own reports
/// finish them, and the reconciler cancels any that are left". These tests hold such a task while
/// the job fails, and follow each path to its end.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class FailureThresholdRaceTests(JobPlatformFixture fixture) : StoreTests(fixture)
{
    private static readonly Guid LowerId = new("00000000-0000-7000-8000-000000000001");
    private static readonly Guid HigherId = new("00000000-0000-7000-8000-000000000002");

    /// <summary>
    /// A success in flight while another task's failure fails the job: the failure cancels only the
    /// task nobody holds, and the success, applied after, still counts on the failed job.
    /// </summary>
    [Fact]
    public async Task Failure_FailsTheJob_WhileASuccessIsInFlight_AndTheSuccessStillCounts()
    {
        var job = await Rows.JobAsync(failureThreshold: 0);
        var succeeding = await Rows.TaskAsync(job, JobTaskStatus.Running);
        var failing = await Rows.TaskAsync(job, JobTaskStatus.Running);
        var waiting = await Rows.TaskAsync(job, JobTaskStatus.Enqueued);

        await using var held = await Store.LockTasksAsync(succeeding.Id);
        var success = await QueueAsync(() => SucceedAsync(succeeding));
        Assert.Equal(new ReportOutcome.Applied(JobTaskStatus.Failed, null), await FailAsync(failing));
        Assert.Equal(new JobState(JobStatus.Failed, FinishedTasks: 2, FailedTasks: 1, Finished: true), await Observed.JobAsync(job.Id));
        Assert.Equal(JobTaskStatus.Running, (await Observed.TaskAsync(succeeding.Id)).Status);
        Assert.Equal(JobTaskStatus.Cancelled, (await Observed.TaskAsync(waiting.Id)).Status);

        await held.ReleaseAsync();
        Assert.Equal(new ReportOutcome.Applied(JobTaskStatus.Succeeded, null), await Finished(success));
        Assert.Equal(new TaskState(JobTaskStatus.Succeeded, 1, 3, succeeding.Attempt, Rows.WorkerId, Leased: false, Finished: true), await Observed.TaskAsync(succeeding.Id));
        Assert.Equal(new JobState(JobStatus.Failed, FinishedTasks: 3, FailedTasks: 1, Finished: true), await Observed.JobAsync(job.Id));
    }

    /// <summary>
    /// A retryable failure in flight while another task fails the job: the report moves its task to
    /// retrying, which no counter sees, so the task is left unfinished on the failed job until the
    /// reconciler's pass cancels it. Its retry's claim is refused before that pass and after it.
    /// </summary>
    [Fact]
    public async Task Failure_FailsTheJob_WhileARetryableFailureIsInFlight_AndTheReconcilerCancelsTheLeftover()
    {
        var job = await Rows.JobAsync(failureThreshold: 0);
        var retrying = await Rows.TaskAsync(job, JobTaskStatus.Running);
        var failing = await Rows.TaskAsync(job, JobTaskStatus.Running);
        await Rows.TaskAsync(job, JobTaskStatus.Enqueued);

        await using (var held = await Store.LockTasksAsync(retrying.Id))
        {
            var retry = await QueueAsync(() => FailAsync(retrying, retryable: true));
            Assert.Equal(new ReportOutcome.Applied(JobTaskStatus.Failed, null), await FailAsync(failing));
            await held.ReleaseAsync();
            Assert.Equal(new ReportOutcome.Applied(JobTaskStatus.Retrying, TimeSpan.FromSeconds(1)), await Finished(retry));
        }
        Assert.Equal(new JobState(JobStatus.Failed, FinishedTasks: 2, FailedTasks: 1, Finished: true), await Observed.JobAsync(job.Id));
        Assert.Equal(JobTaskStatus.Retrying, (await Observed.TaskAsync(retrying.Id)).Status);

        Assert.Equal(new ClaimOutcome.Refused(JobTaskStatus.Retrying), await ClaimAsync(retrying.Id, Guid.NewGuid(), "worker-b"));
        Assert.Equal(new AttemptState(1, Rows.WorkerId, AttemptOutcome.Failed, Ended: true), await Observed.AttemptAsync(retrying.Attempt));

        Assert.Equal(new ReconcileResult(Requeued: 0, Failed: 0, Resent: 0, Cancelled: 1, JobsFinished: 0), await ReconcileAsync());
        Assert.Equal(new TaskState(JobTaskStatus.Cancelled, 1, 3, retrying.Attempt, Rows.WorkerId, Leased: false, Finished: true), await Observed.TaskAsync(retrying.Id));
        Assert.Equal(new AttemptState(1, Rows.WorkerId, AttemptOutcome.Failed, Ended: true), await Observed.AttemptAsync(retrying.Attempt));
        Assert.Equal(new JobState(JobStatus.Failed, FinishedTasks: 3, FailedTasks: 1, Finished: true), await Observed.JobAsync(job.Id));
        Assert.Equal(new ClaimOutcome.Refused(JobTaskStatus.Cancelled), await ClaimAsync(retrying.Id, Guid.NewGuid(), "worker-b"));
    }

    /// <summary>
    /// One reconciler pass that dead-letters a task (locking its job) and then cancels another, failed
    /// job's leftover (locking that job too), against one report batch that finishes a task of each
    /// job (locking both, in id order). LockOrder promises no two transactions wait on each other in a
    /// cycle; both must end, with every counter right. (A pass that did all its steps in one
    /// transaction held the higher job while waiting for the lower one, and deadlocked here.)
    /// </summary>
    [Fact]
    public async Task Reconciler_AndAReportBatchOverTwoJobs_DoNotDeadlock_WhenThePassCancelsLeftoversAfterADeadLetter()
    {
        var failedJob = await Rows.JobAsync(JobStatus.Failed, failureThreshold: 0, id: LowerId);
        await Rows.TaskAsync(failedJob, JobTaskStatus.Failed);
        var inFlight = await Rows.TaskAsync(failedJob, JobTaskStatus.Running);
        var leftover = await Rows.TaskAsync(failedJob, JobTaskStatus.Enqueued);
        var runningJob = await Rows.JobAsync(JobStatus.Running, failureThreshold: 1, id: HigherId);
        var expired = await Rows.TaskAsync(runningJob, JobTaskStatus.Running, attempts: 3, leaseExpiresAt: Rows.ExpiredLease);
        var reporting = await Rows.TaskAsync(runningJob, JobTaskStatus.Running);

        // The job lock orders the two: the pass queues on it first, holding the expired task; the
        // batch, holding both its tasks and the lower job, queues behind the pass.
        var (pass, reports) = await RaceAsync(await Store.LockJobsAsync(runningJob.Id),
            () => ReconcileAsync(),
            () => ReportAsync([AttemptReport.Succeeded(reporting.Id, reporting.Attempt, null), AttemptReport.Succeeded(inFlight.Id, inFlight.Attempt, null)]));

        // The leftover is cancelled once, by whichever gets to it first: the pass's own step, or the
        // batch, which finds its failed job with a task left (the counters below say it counted once).
        Assert.Equal((0, 1, 0, 0), (pass!.Requeued, pass.Failed, pass.Resent, pass.JobsFinished));
        Assert.InRange(pass.Cancelled, 0, 1);
        Assert.All(reports, report => Assert.Equal(new ReportOutcome.Applied(JobTaskStatus.Succeeded, null), report));
        Assert.Equal(JobTaskStatus.DeadLettered, (await Observed.TaskAsync(expired.Id)).Status);
        Assert.Equal(JobTaskStatus.Cancelled, (await Observed.TaskAsync(leftover.Id)).Status);
        Assert.Equal(new JobState(JobStatus.Failed, FinishedTasks: 3, FailedTasks: 1, Finished: true), await Observed.JobAsync(failedJob.Id));
        Assert.Equal(new JobState(JobStatus.Completed, FinishedTasks: 2, FailedTasks: 1, Finished: true), await Observed.JobAsync(runningJob.Id));
    }
}
