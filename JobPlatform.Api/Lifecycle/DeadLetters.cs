using Npgsql;
using NpgsqlTypes;

namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// Messages SQS gave up on (the dead-letter queue), recorded once each, and the tasks they name
/// moved to dead_lettered. The <see cref="Services.DeadLetterDrainer"/> feeds it.
/// </summary>
public sealed class DeadLetters(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Records a message from the dead-letter queue, and when it names a task that has not finished,
    /// moves that task to dead_lettered (counted as failed for its job). Idempotent per message id.
    /// </summary>
    public async Task<bool> RecordDeadLetterAsync(string messageId, string body, Guid? taskId, int receiveCount, string reason, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
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

        var moved = false;
        if (taskId is { } id)
        {
            await using var dead = new NpgsqlCommand(
                $"""
                WITH task AS (
                    UPDATE tasks SET status = @deadLettered, error = @reason, lease_expires_at = NULL,
                                     finished_at = now(), updated_at = now()
                    WHERE id = @id AND status = ANY(@from)
                    RETURNING job_id, current_attempt_id
                ), attempt AS (
                    {LostAttempts.Close("SELECT current_attempt_id FROM task", "@reason")}
                )
                SELECT job_id FROM task
                """, connection, transaction);
            dead.Parameters.AddWithValue("id", id);
            dead.Parameters.AddWithValue("deadLettered", TaskTransitions.DeadLetter.To[0]);
            dead.Parameters.AddWithValue("reason", reason);
            dead.Parameters.AddWithValue("from", TaskTransitions.DeadLetter.From);
            dead.Parameters.AddWithValue("lost", AttemptOutcome.Lost);
            if (await dead.ExecuteScalarAsync(ct) is Guid jobId)
            {
                await JobCounters.CountFinishedAsync(connection, transaction, [(jobId, 1, 1)], ct);
                moved = true;
            }
        }
        await transaction.CommitAsync(ct);
        return moved;
    }
}
