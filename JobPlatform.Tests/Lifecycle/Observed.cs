using JobPlatform.Contracts;
using Npgsql;

namespace JobPlatform.Tests.Lifecycle;

/// <summary>A task row as the lifecycle left it. <paramref name="Leased"/>: its lease has not run out.</summary>
public sealed record TaskState(string Status, int Attempts, int MaxAttempts, Guid? CurrentAttemptId, string? WorkerId, bool Leased, bool Finished);

/// <summary>An attempt row: how that execution ended, if it has.</summary>
public sealed record AttemptState(int Number, string WorkerId, string? Outcome, bool Ended);

/// <summary>A job row's status, counters and end.</summary>
public sealed record JobState(string Status, int FinishedTasks, int FailedTasks, bool Finished);

/// <summary>Reads rows back in the shape tests compare, and checks the promises that hold after every test.</summary>
public sealed class Observed(NpgsqlDataSource dataSource)
{
    public Task<TaskState> TaskAsync(Guid id) => ReadAsync(
        "SELECT status, attempts, max_attempts, current_attempt_id, worker_id, coalesce(lease_expires_at > now(), false), finished_at IS NOT NULL FROM tasks WHERE id = @id",
        id, r => new TaskState(r.GetString(0), r.GetInt32(1), r.GetInt32(2), r.IsDBNull(3) ? null : r.GetGuid(3),
            r.IsDBNull(4) ? null : r.GetString(4), r.GetBoolean(5), r.GetBoolean(6)));

    public Task<AttemptState> AttemptAsync(Guid id) => ReadAsync(
        "SELECT number, worker_id, outcome, ended_at IS NOT NULL FROM task_attempts WHERE id = @id",
        id, r => new AttemptState(r.GetInt32(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetBoolean(3)));

    public Task<JobState> JobAsync(Guid id) => ReadAsync(
        "SELECT status, finished_tasks, failed_tasks, finished_at IS NOT NULL FROM jobs WHERE id = @id",
        id, r => new JobState(r.GetString(0), r.GetInt32(1), r.GetInt32(2), r.GetBoolean(3)));

    /// <summary>How many attempt rows a task has.</summary>
    public Task<long> AttemptCountAsync(Guid taskId) => ReadAsync("SELECT count(*) FROM task_attempts WHERE task_id = @id", taskId, r => r.GetInt64(0));

    /// <summary>How many of a task's messages wait in the outbox.</summary>
    public Task<long> OutboxCountAsync(Guid taskId) => ReadAsync("SELECT count(*) FROM outbox_messages WHERE task_id = @id", taskId, r => r.GetInt64(0));

    /// <summary>
    /// What every interleaving must leave, for every job in the database: counters equal to the
    /// counts of its tasks' statuses; a finished job has its end time and no task left to run; an
    /// unfinished one has no end time; a finished task has its end time and no attempt left open;
    /// and an open attempt is the one that holds its task.
    /// </summary>
    public async Task AssertInvariantsAsync()
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT format('job %s (%s): counts %s finished and %s failed tasks, but its tasks show %s and %s',
                          j.id, j.status, j.finished_tasks, j.failed_tasks, t.final, t.failed)
            FROM jobs j CROSS JOIN LATERAL (
                SELECT count(*) FILTER (WHERE status = ANY(@final)) AS final,
                       count(*) FILTER (WHERE status IN ('failed', 'dead_lettered')) AS failed
                FROM tasks WHERE job_id = j.id) t
            WHERE j.finished_tasks <> t.final OR j.failed_tasks <> t.failed
            UNION ALL
            SELECT format('job %s (%s): finished_at is %s', id, status, coalesce(finished_at::text, 'null'))
            FROM jobs WHERE (status = ANY(@jobFinal)) <> (finished_at IS NOT NULL)
            UNION ALL
            SELECT format('job %s (%s): task %s is still %s', j.id, j.status, t.id, t.status)
            FROM jobs j JOIN tasks t ON t.job_id = j.id
            WHERE j.status = ANY(@jobFinal) AND NOT t.status = ANY(@final)
            UNION ALL
            SELECT format('task %s (%s): finished_at is %s', id, status, coalesce(finished_at::text, 'null'))
            FROM tasks WHERE (status = ANY(@final)) <> (finished_at IS NOT NULL)
            UNION ALL
            SELECT format('task %s (%s): attempt %s is still open', t.id, t.status, a.id)
            FROM tasks t JOIN task_attempts a ON a.task_id = t.id
            WHERE a.ended_at IS NULL AND (t.status = ANY(@final) OR a.id IS DISTINCT FROM t.current_attempt_id)
            """);
        command.Parameters.AddWithValue("final", JobTaskStatus.Final.ToArray());
        command.Parameters.AddWithValue("jobFinal", JobStatus.Final.ToArray());
        var broken = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            broken.Add(reader.GetString(0));
        }
        Assert.True(broken.Count == 0, "Lifecycle invariants broken:\n" + string.Join("\n", broken));
    }

    private async Task<T> ReadAsync<T>(string sql, Guid id, Func<NpgsqlDataReader, T> read)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"No row {id}: {sql}");
        return read(reader);
    }
}
