using JobPlatform.Api.Lifecycle;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Lifecycle;

/// <summary>
/// A message SQS gave up on dead-letters its task only when the task's own attempt died with it: an
/// outage can leave a stale copy of a task's message coming back until it is dead-lettered while the
/// task, sent again, runs from another message. That copy must not kill the live attempt.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class DeadLetterTests(JobPlatformFixture fixture) : StoreTests(fixture)
{
    private DeadLetters DeadLetters => new(Store.DataSource);

    [Fact]
    public async Task TheMessageTheAttemptWasClaimedFrom_DeadLettersTheTask()
    {
        var job = await Rows.JobAsync(JobStatus.Enqueued, failureThreshold: 1);
        var task = await Rows.TaskAsync(job, JobTaskStatus.Enqueued);
        var attempt = Guid.NewGuid();
        Assert.IsType<ClaimOutcome.Granted>(await ClaimAsync(task.Id, attempt, "worker-a", messageId: "message-1"));

        Assert.Equal(DeadLetterOutcome.DeadLettered, await DeadLetters.RecordAsync("message-1", "{}", task.Id, 6, "given up", CancellationToken.None));

        Assert.Equal(JobTaskStatus.DeadLettered, (await Observed.TaskAsync(task.Id)).Status);
        Assert.Equal(new AttemptState(1, "worker-a", AttemptOutcome.Lost, Ended: true), await Observed.AttemptAsync(attempt));
        Assert.Equal(DeadLetters.CrashReason, await ReasonAsync("message-1"));
    }

    [Fact]
    public async Task AStaleCopy_LeavesALiveAttemptClaimedFromAnotherMessage_Running()
    {
        var job = await Rows.JobAsync(JobStatus.Enqueued);
        var task = await Rows.TaskAsync(job, JobTaskStatus.Enqueued);
        var attempt = Guid.NewGuid();
        Assert.IsType<ClaimOutcome.Granted>(await ClaimAsync(task.Id, attempt, "worker-a", messageId: "message-2"));

        Assert.Equal(DeadLetterOutcome.StaleCopy, await DeadLetters.RecordAsync("message-1", "{}", task.Id, 6, "given up", CancellationToken.None));

        Assert.Equal(new TaskState(JobTaskStatus.Running, 1, 3, attempt, "worker-a", Leased: true, Finished: false), await Observed.TaskAsync(task.Id));
        Assert.Equal(new AttemptState(1, "worker-a", Outcome: null, Ended: false), await Observed.AttemptAsync(attempt));
        Assert.Equal(DeadLetters.StaleCopyReason, await ReasonAsync("message-1"));
        Assert.Equal(new ReportOutcome.Applied(JobTaskStatus.Succeeded, null), await SucceedAsync(task with { AttemptId = attempt }));
    }

    [Fact]
    public async Task AStaleCopy_DeadLettersTheTask_WhenTheAttemptHoldingItHasDied()
    {
        var job = await Rows.JobAsync(JobStatus.Enqueued, failureThreshold: 1);
        var task = await Rows.TaskAsync(job, JobTaskStatus.Enqueued);
        var attempt = Guid.NewGuid();
        Assert.IsType<ClaimOutcome.Granted>(await ClaimAsync(task.Id, attempt, "worker-a", messageId: "message-2"));
        await using (var expire = Store.DataSource.CreateCommand("UPDATE tasks SET lease_expires_at = now() - interval '1 minute' WHERE id = $1"))
        {
            expire.Parameters.Add(new() { Value = task.Id });
            await expire.ExecuteNonQueryAsync();
        }

        Assert.Equal(DeadLetterOutcome.DeadLettered, await DeadLetters.RecordAsync("message-1", "{}", task.Id, 6, "given up", CancellationToken.None));

        Assert.Equal(JobTaskStatus.DeadLettered, (await Observed.TaskAsync(task.Id)).Status);
        Assert.Equal(new AttemptState(1, "worker-a", AttemptOutcome.Lost, Ended: true), await Observed.AttemptAsync(attempt));
    }

    private async Task<string> ReasonAsync(string messageId)
    {
        await using var command = Store.DataSource.CreateCommand("SELECT reason FROM dead_letters WHERE message_id = $1");
        command.Parameters.Add(new() { Value = messageId });
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
