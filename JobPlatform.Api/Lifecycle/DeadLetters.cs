using JobPlatform.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// Messages SQS gave up on (the dead-letter queue), recorded once each. A task is dead-lettered only
/// for what it did: a message that came back while an attempt held its task (a worker claimed it and
/// never reported, again and again: it may crash its worker). A task that no attempt ran from those
/// deliveries (its claims failed, say while PostgreSQL was down) is sent again instead, and a stale
/// copy of a task's message (one an outage kept coming back while the task was sent again) leaves
/// alone the live attempt claimed from another. The <see cref="Services.DeadLetterDrainer"/> feeds it.
/// </summary>
public sealed class DeadLetters(NpgsqlDataSource dataSource)
{
    public const string CrashReason = "Its message was received too many times without a report (the task may crash its worker).";

    public const string StaleCopyReason = "Its message was received too many times, but the task is being run, alive, by an attempt claimed from another of its messages; the task was left to it.";

    public const string ResentReason = "Its message was received too many times while no attempt of the task ran (its claims failed); the task was sent again.";

    /// <summary>
    /// Records a message from the dead-letter queue and settles the task it names, if any, in one
    /// transaction: dead-lettered (counted as failed for its job), sent again, or left alone when it
    /// has finished or already has a message on the way. Idempotent per message id.
    /// </summary>
    /// <param name="reason">Why the message was given up on when it names no task it could settle.</param>
    public async Task<DeadLetterOutcome> RecordAsync(string messageId, string body, Guid? taskId, int receiveCount, string reason, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var outcome = DeadLetterOutcome.Recorded;
        Guid? deadJob = null;
        if (taskId is { } id)
        {
            await using var settle = new NpgsqlCommand(
                $"""
                WITH dead AS (
                    UPDATE tasks SET status = @deadLettered, error = @crash, lease_expires_at = NULL,
                                     finished_at = now(), updated_at = now()
                    WHERE id = @id AND status = ANY(@deadFrom)
                      AND NOT EXISTS (SELECT 1 FROM task_attempts a WHERE a.id = tasks.current_attempt_id
                                      AND tasks.lease_expires_at > now() AND a.message_id <> @message)
                    RETURNING id, job_id, current_attempt_id
                ), attempt AS (
                    {LostAttempts.Close("SELECT current_attempt_id FROM dead", "@crash")}
                ), resent AS (
                    UPDATE tasks SET status = @pending, updated_at = now()
                    WHERE id = @id AND status = ANY(@resendFrom)
                    RETURNING id, job_id
                ), queued AS (
                    {Outbox.Add("resent")}
                )
                SELECT job_id, @deadLettered FROM dead
                UNION ALL SELECT job_id, @pending FROM resent
                UNION ALL SELECT job_id, status FROM tasks
                WHERE id = @id AND status = ANY(@deadFrom) AND NOT EXISTS (SELECT 1 FROM dead)
                """, connection, transaction);
            settle.Parameters.AddWithValue("message", messageId);
            settle.Parameters.AddWithValue("id", id);
            settle.Parameters.AddWithValue("deadLettered", TaskTransitions.DeadLetter.To[0]);
            settle.Parameters.AddWithValue("deadFrom", TaskTransitions.DeadLetter.From);
            settle.Parameters.AddWithValue("pending", TaskTransitions.Resend.To[0]);
            settle.Parameters.AddWithValue("resendFrom", TaskTransitions.Resend.From);
            settle.Parameters.AddWithValue("crash", CrashReason);
            settle.Parameters.AddWithValue("lost", AttemptOutcome.Lost);
            await using (var reader = await settle.ExecuteReaderAsync(ct))
            {
                if (await reader.ReadAsync(ct))
                {
                    (outcome, deadJob) = reader.GetString(1) switch
                    {
                        JobTaskStatus.DeadLettered => (DeadLetterOutcome.DeadLettered, reader.GetGuid(0)),
                        JobTaskStatus.Pending => (DeadLetterOutcome.Resent, (Guid?)null),
                        _ => (DeadLetterOutcome.StaleCopy, null),
                    };
                }
            }
            if (deadJob is { } jobId)
            {
                await JobCounters.CountFinishedAsync(connection, transaction, [(jobId, 1, 1)], ct);
                reason = CrashReason;
            }
            else if (outcome == DeadLetterOutcome.StaleCopy)
            {
                reason = StaleCopyReason;
            }
            else if (outcome == DeadLetterOutcome.Resent)
            {
                await using var wakeUp = new NpgsqlBatch(connection, transaction) { BatchCommands = { Outbox.WakeUp() } };
                await wakeUp.ExecuteNonQueryAsync(ct);
                reason = ResentReason;
            }
        }

        await using var record = new NpgsqlCommand(
            """
            INSERT INTO dead_letters (message_id, body, task_id, receive_count, reason, recorded_at)
            VALUES (@message, @body, @task, @count, @reason, now())
            ON CONFLICT (message_id) DO NOTHING
            """, connection, transaction);
        record.Parameters.AddWithValue("message", messageId);
        record.Parameters.AddWithValue("body", body);
        record.Parameters.AddWithValue("task", NpgsqlDbType.Uuid, (object?)taskId ?? DBNull.Value);
        record.Parameters.AddWithValue("count", receiveCount);
        record.Parameters.AddWithValue("reason", reason);
        await record.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return outcome;
    }
}

/// <summary>What became of a dead letter's task.</summary>
public enum DeadLetterOutcome
{
    /// <summary>Only the message was recorded: it names no task, or its task finished or has a message on the way.</summary>
    Recorded,

    /// <summary>No attempt of the task ran from these deliveries: it was sent again.</summary>
    Resent,

    /// <summary>A live attempt claimed from another of the task's messages holds it: it was left to that attempt.</summary>
    StaleCopy,

    /// <summary>An attempt held the task and never reported: the task is dead-lettered and counted as failed.</summary>
    DeadLettered,
}
