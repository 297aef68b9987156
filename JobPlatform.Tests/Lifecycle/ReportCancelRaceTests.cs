using JobPlatform.Api.Lifecycle;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Lifecycle;

/// <summary>
/// A worker's report and a tenant's cancel of the same job, in either order and at once: whichever
/// takes the task first decides, the other sees the task moved on, and the counters add up either way.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class ReportCancelRaceTests(JobPlatformFixture fixture) : StoreTests(fixture)
{
    /// <summary>The success counts; the cancel then ends only what had not finished, and drops its unsent message.</summary>
    [Fact]
    public async Task Report_ThenCancel_CountsTheSuccess_AndCancelsOnlyTheRest()
    {
        var job = await Rows.JobAsync();
        var running = await Rows.TaskAsync(job, JobTaskStatus.Running);
        var waiting = await Rows.TaskAsync(job, JobTaskStatus.Pending);

        Assert.Equal(new ReportOutcome.Applied(JobTaskStatus.Succeeded, null), await SucceedAsync(running));
        Assert.Equal(new JobCommandOutcome.Done(1), await CancelAsync(job));

        await AssertReportWonAsync(job, running, waiting);
    }

    /// <summary>
    /// A cancel ends a running task at once; its attempt stays open until the worker hears of it. The
    /// late success is stale: the task stays cancelled, nothing is counted twice, and the attempt's
    /// own row still records how that execution ended.
    /// </summary>
    [Fact]
    public async Task Cancel_ThenReport_IsStale_AndStillClosesTheAttempt()
    {
        var job = await Rows.JobAsync();
        var running = await Rows.TaskAsync(job, JobTaskStatus.Running);
        var waiting = await Rows.TaskAsync(job, JobTaskStatus.Pending);

        Assert.Equal(new JobCommandOutcome.Done(2), await CancelAsync(job));
        Assert.Equal(new AttemptState(1, Rows.WorkerId, Outcome: null, Ended: false), await Observed.AttemptAsync(running.Attempt));
        Assert.Equal(new HeartbeatOutcome.Lost(JobTaskStatus.Cancelled),
            await Store.Protocol.HeartbeatAsync(running.Id, running.Attempt, TimeSpan.FromMinutes(5), null, CancellationToken.None));
        Assert.Equal(new ReportOutcome.Stale(JobTaskStatus.Cancelled), await SucceedAsync(running));

        await AssertCancelWonAsync(job, running, waiting);
    }

    /// <summary>
    /// Both at once, queued behind a third transaction that holds the running task, in either order:
    /// no deadlock, and the end is exactly the one of the sequential order that got the task first.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReportAndCancel_AtOnce_EndAsTheOrderThatTookTheTaskFirst(bool reportQueuesFirst)
    {
        var job = await Rows.JobAsync();
        var running = await Rows.TaskAsync(job, JobTaskStatus.Running);
        var waiting = await Rows.TaskAsync(job, JobTaskStatus.Pending);

        var held = await Store.LockTasksAsync(running.Id);
        var (report, cancel) = reportQueuesFirst
            ? await RaceAsync(held, () => SucceedAsync(running), () => CancelAsync(job))
            : Swap(await RaceAsync(held, () => CancelAsync(job), () => SucceedAsync(running)));

        if (report is ReportOutcome.Applied)
        {
            Assert.Equal(new JobCommandOutcome.Done(1), cancel);
            await AssertReportWonAsync(job, running, waiting);
        }
        else
        {
            Assert.Equal(new ReportOutcome.Stale(JobTaskStatus.Cancelled), report);
            Assert.Equal(new JobCommandOutcome.Done(2), cancel);
            await AssertCancelWonAsync(job, running, waiting);
        }
        // The lock queue is first come, first served: the race was decided by who queued first.
        Assert.Equal(reportQueuesFirst, report is ReportOutcome.Applied);
    }

    private async Task AssertReportWonAsync(JobRow job, TaskRow running, TaskRow waiting)
    {
        Assert.Equal(new TaskState(JobTaskStatus.Succeeded, 1, 3, running.Attempt, Rows.WorkerId, Leased: false, Finished: true), await Observed.TaskAsync(running.Id));
        Assert.Equal(new AttemptState(1, Rows.WorkerId, AttemptOutcome.Succeeded, Ended: true), await Observed.AttemptAsync(running.Attempt));
        await AssertCancelledAsync(waiting);
        Assert.Equal(new JobState(JobStatus.Cancelled, FinishedTasks: 2, FailedTasks: 0, Finished: true), await Observed.JobAsync(job.Id));
    }

    private async Task AssertCancelWonAsync(JobRow job, TaskRow running, TaskRow waiting)
    {
        Assert.Equal(new TaskState(JobTaskStatus.Cancelled, 1, 3, running.Attempt, Rows.WorkerId, Leased: false, Finished: true), await Observed.TaskAsync(running.Id));
        Assert.Equal(new AttemptState(1, Rows.WorkerId, AttemptOutcome.Succeeded, Ended: true), await Observed.AttemptAsync(running.Attempt));
        await AssertCancelledAsync(waiting);
        Assert.Equal(new JobState(JobStatus.Cancelled, FinishedTasks: 2, FailedTasks: 0, Finished: true), await Observed.JobAsync(job.Id));
    }

    private async Task AssertCancelledAsync(TaskRow waiting)
    {
        Assert.Equal(new TaskState(JobTaskStatus.Cancelled, 0, 3, null, null, Leased: false, Finished: true), await Observed.TaskAsync(waiting.Id));
        Assert.Equal(0, await Observed.OutboxCountAsync(waiting.Id));
    }

    private static (ReportOutcome, JobCommandOutcome) Swap((JobCommandOutcome Cancel, ReportOutcome Report) race) => (race.Report, race.Cancel);
}
