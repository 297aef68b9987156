using JobPlatform.Contracts;
using Npgsql;

namespace JobPlatform.Bench.Soak;

/// <summary>
/// What the database holds for the soak's tenants once the load has stopped: how many jobs, tasks
/// and attempts, and how many break a promise. Every count named a violation must be 0.
/// </summary>
public sealed record SoakAudit(
    long Jobs,
    long UnfinishedJobs,
    IReadOnlyDictionary<string, long> JobsByStatus,
    long TasksSubmitted,
    IReadOnlyDictionary<string, long> TasksByStatus,
    IReadOnlyDictionary<string, long> AttemptsByOutcome,
    long MissingTasks,
    long UnfinishedTasks,
    long OpenAttempts,
    long TasksSucceededTwice,
    long SucceededTasksWithoutTheirAttempt,
    long JobsWithAttemptCountsOff,
    long JobsWithCountersOff)
{
    /// <summary>Tasks a submitted job should have and that do not exist, or that are not final: lost.</summary>
    public long LostTasks => MissingTasks + UnfinishedTasks;

    /// <summary>Every broken promise but a lost task: open attempts, double successes, counters off.</summary>
    public long InvariantViolations => OpenAttempts + TasksSucceededTwice + SucceededTasksWithoutTheirAttempt + JobsWithAttemptCountsOff + JobsWithCountersOff;

    public long Attempts => AttemptsByOutcome.Values.Sum();

    /// <summary>Counts every job, task and attempt of <paramref name="tenants"/>.</summary>
    public static async Task<SoakAudit> TakeAsync(string connectionString, IReadOnlyList<string> tenants, CancellationToken ct)
    {
        await using var connection = await OpenAsync(connectionString, ct);
        // The same checks as the test suite's per-job invariants (JobPlatformFixture.AssertJobInvariantsAsync), over every job at once.
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new("SELECT status, count(*) FROM jobs WHERE tenant_id = ANY(@tenants) GROUP BY status"),
                new("SELECT t.status, count(*) FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE j.tenant_id = ANY(@tenants) GROUP BY t.status"),
                new("SELECT coalesce(a.outcome, 'open'), count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id JOIN jobs j ON j.id = t.job_id WHERE j.tenant_id = ANY(@tenants) GROUP BY 1"),
                new(
                    """
                    WITH soak_jobs AS (SELECT * FROM jobs WHERE tenant_id = ANY(@tenants)),
                    per_task AS (
                        SELECT t.id, t.job_id, t.status, t.attempts,
                               count(a.id) AS recorded,
                               count(a.id) FILTER (WHERE a.ended_at IS NULL) AS open,
                               count(a.id) FILTER (WHERE a.outcome = 'succeeded') AS succeeded
                        FROM tasks t JOIN soak_jobs j ON j.id = t.job_id
                        LEFT JOIN task_attempts a ON a.task_id = t.id
                        GROUP BY t.id
                    ),
                    per_job AS (
                        SELECT j.id, j.task_count, j.finished_tasks, j.failed_tasks,
                               count(p.id) AS tasks,
                               count(p.id) FILTER (WHERE p.status = ANY(@finalTasks)) AS final,
                               count(p.id) FILTER (WHERE p.status IN ('failed', 'dead_lettered')) AS failed,
                               coalesce(sum(p.attempts), 0) AS attempts,
                               coalesce(sum(p.recorded), 0) AS recorded
                        FROM soak_jobs j LEFT JOIN per_task p ON p.job_id = j.id
                        GROUP BY j.id, j.task_count, j.finished_tasks, j.failed_tasks
                    )
                    SELECT
                        (SELECT coalesce(sum(task_count), 0) FROM soak_jobs),
                        (SELECT coalesce(sum(greatest(task_count - tasks, 0)), 0) FROM per_job),
                        (SELECT count(*) FROM per_task WHERE NOT status = ANY(@finalTasks)),
                        (SELECT coalesce(sum(open), 0) FROM per_task),
                        (SELECT count(*) FROM per_task WHERE succeeded > 1),
                        (SELECT count(*) FROM per_task WHERE status = 'succeeded' AND succeeded <> 1),
                        (SELECT count(*) FROM per_job WHERE attempts <> recorded),
                        (SELECT count(*) FROM per_job WHERE final <> finished_tasks OR failed <> failed_tasks)
                    """),
            },
        };
        foreach (var command in batch.BatchCommands)
        {
            command.Parameters.Add(new NpgsqlParameter("tenants", tenants.ToArray()));
            command.Parameters.Add(new NpgsqlParameter("finalTasks", JobTaskStatus.Final.ToArray()));
        }
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var jobs = await ReadCountsAsync(reader, ct);
        await reader.NextResultAsync(ct);
        var tasks = await ReadCountsAsync(reader, ct);
        await reader.NextResultAsync(ct);
        var attempts = await ReadCountsAsync(reader, ct);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        long At(int i) => Convert.ToInt64(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
        return new SoakAudit(
            Jobs: jobs.Values.Sum(),
            UnfinishedJobs: jobs.Where(j => !JobStatus.Final.Contains(j.Key)).Sum(j => j.Value),
            JobsByStatus: jobs,
            TasksSubmitted: At(0),
            TasksByStatus: tasks,
            AttemptsByOutcome: attempts,
            MissingTasks: At(1),
            UnfinishedTasks: At(2),
            OpenAttempts: At(3),
            TasksSucceededTwice: At(4),
            SucceededTasksWithoutTheirAttempt: At(5),
            JobsWithAttemptCountsOff: At(6),
            JobsWithCountersOff: At(7));
    }

    /// <summary>The ids of every job of <paramref name="tenants"/>, to compare with the jobs the Api acknowledged.</summary>
    public static async Task<HashSet<Guid>> JobIdsAsync(string connectionString, IReadOnlyList<string> tenants, CancellationToken ct)
    {
        await using var connection = await OpenAsync(connectionString, ct);
        await using var command = new NpgsqlCommand("SELECT id FROM jobs WHERE tenant_id = ANY(@tenants)", connection);
        command.Parameters.AddWithValue("tenants", tenants.ToArray());
        var ids = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    /// <summary>How many of the jobs of <paramref name="tenants"/> are not final yet.</summary>
    public static async Task<long> UnfinishedJobsAsync(string connectionString, IReadOnlyList<string> tenants, CancellationToken ct)
    {
        await using var connection = await OpenAsync(connectionString, ct);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM jobs WHERE tenant_id = ANY(@tenants) AND NOT status = ANY(@final)", connection);
        command.Parameters.AddWithValue("tenants", tenants.ToArray());
        command.Parameters.AddWithValue("final", JobStatus.Final.ToArray());
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// A connection of its own, outside the pool: the soak restarts PostgreSQL, and a pooled connection
    /// opened before a restart fails its next command with 57P01 (terminating connection).
    /// </summary>
    private static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task<Dictionary<string, long>> ReadCountsAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var counts = new Dictionary<string, long>();
        while (await reader.ReadAsync(ct))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }
        return counts;
    }
}
