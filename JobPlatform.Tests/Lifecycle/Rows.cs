using JobPlatform.Api.Lifecycle;
using JobPlatform.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace JobPlatform.Tests.Lifecycle;

/// <summary>A job the factory made.</summary>
public sealed record JobRow(Guid Id, string TenantId);

/// <summary>A task the factory made, with the attempt that holds it (or held it last), if it has run.</summary>
public sealed record TaskRow(Guid Id, Guid JobId, Guid? AttemptId)
{
    public Guid Attempt => AttemptId ?? throw new InvalidOperationException($"Task {Id} has never run.");
}

/// <summary>
/// Inserts jobs and tasks straight into the schema, as River's <c>testfactory</c> does: every field
/// has a default that fits its status, so a test names only what matters to it. A task row keeps
/// its job's counters as the lifecycle would (<c>task_count</c>, <c>finished_tasks</c>,
/// <c>failed_tasks</c>), a task that has run gets the row of its latest attempt, and a pending task
/// gets its message waiting in the outbox.
/// </summary>
public sealed class Rows(NpgsqlDataSource dataSource)
{
    public const string TenantId = "lifecycle";
    public const string WorkerId = "worker-a";

    /// <summary>A lease its worker still holds.</summary>
    public static DateTimeOffset LiveLease => DateTimeOffset.UtcNow.AddMinutes(5);

    /// <summary>A lease that ran out a while ago: its worker is presumed lost.</summary>
    public static DateTimeOffset ExpiredLease => DateTimeOffset.UtcNow.AddMinutes(-5);

    /// <summary>A job with no tasks yet; each <see cref="TaskAsync"/> adds one.</summary>
    public async Task<JobRow> JobAsync(string status = JobStatus.Running, int maxAttempts = 3, int failureThreshold = 0, Guid? id = null)
    {
        var job = new JobRow(id ?? Guid.CreateVersion7(), TenantId);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new("INSERT INTO tenants (id, name, created_at) VALUES (@tenant, @tenant, now()) ON CONFLICT DO NOTHING")
        {
            Parameters = { new("tenant", job.TenantId) },
        });
        batch.BatchCommands.Add(new(
            """
            INSERT INTO jobs (id, tenant_id, name, type, status, task_count, max_attempts, failure_threshold, parameters,
                              finished_tasks, failed_tasks, created_at, updated_at, started_at, finished_at)
            VALUES (@id, @tenant, 'lifecycle', 'noop', @status, 0, @maxAttempts, @threshold, '{}',
                    0, 0, now(), now(), CASE WHEN @started THEN now() END, CASE WHEN @finished THEN now() END)
            """)
        {
            Parameters =
            {
                new("id", job.Id),
                new("tenant", job.TenantId),
                new("status", status),
                new("maxAttempts", maxAttempts),
                new("threshold", failureThreshold),
                new("started", status != JobStatus.Pending),
                new("finished", JobStatus.Final.Contains(status)),
            },
        });
        await batch.ExecuteNonQueryAsync();
        return job;
    }

    /// <summary>
    /// A task of <paramref name="job"/>. Defaults follow the status: a task that has run made one
    /// attempt (<paramref name="attempts"/>), whose row ends with the status's outcome unless
    /// <paramref name="attemptOutcome"/> says otherwise (a running or cancelled task's attempt is still
    /// open); a running task holds a live lease unless <paramref name="leaseExpiresAt"/> says otherwise.
    /// </summary>
    public async Task<TaskRow> TaskAsync(
        JobRow job, string status = JobTaskStatus.Enqueued, int? attempts = null, int maxAttempts = 3,
        DateTimeOffset? leaseExpiresAt = null, Guid? attemptId = null, string? attemptOutcome = null, string workerId = WorkerId)
    {
        var ran = attempts ?? (status is JobTaskStatus.Pending or JobTaskStatus.Enqueued or JobTaskStatus.Cancelled ? 0 : 1);
        var task = new TaskRow(Guid.CreateVersion7(), job.Id, ran > 0 ? attemptId ?? Guid.CreateVersion7() : null);
        var final = JobTaskStatus.Final.Contains(status);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new(
            """
            INSERT INTO tasks (id, job_id, tenant_id, "index", type, status, attempts, max_attempts, worker_id, current_attempt_id,
                               lease_expires_at, created_at, updated_at, started_at, finished_at)
            SELECT @id, j.id, j.tenant_id, j.task_count, j.type, @status, @attempts, @maxAttempts, @worker, @attempt,
                   @lease, now(), now(), CASE WHEN @attempts > 0 THEN now() END, CASE WHEN @final THEN now() END
            FROM jobs j WHERE j.id = @job
            """)
        {
            Parameters =
            {
                new("id", task.Id),
                new("job", job.Id),
                new("status", status),
                new("attempts", ran),
                new("maxAttempts", maxAttempts),
                new("worker", NpgsqlDbType.Text) { Value = ran > 0 ? workerId : DBNull.Value },
                new("attempt", NpgsqlDbType.Uuid) { Value = (object?)task.AttemptId ?? DBNull.Value },
                new("lease", NpgsqlDbType.TimestampTz) { Value = status == JobTaskStatus.Running ? leaseExpiresAt ?? LiveLease : DBNull.Value },
                new("final", final),
            },
        });
        batch.BatchCommands.Add(new(
            "UPDATE jobs SET task_count = task_count + 1, finished_tasks = finished_tasks + @finished, failed_tasks = failed_tasks + @failed WHERE id = @job")
        {
            Parameters =
            {
                new("job", job.Id),
                new("finished", final ? 1 : 0),
                new("failed", status is JobTaskStatus.Failed or JobTaskStatus.DeadLettered ? 1 : 0),
            },
        });
        if (task.AttemptId is { } attempt)
        {
            var outcome = attemptOutcome ?? OutcomeOf(status);
            batch.BatchCommands.Add(new(
                """
                INSERT INTO task_attempts (id, task_id, number, worker_id, started_at, ended_at, outcome)
                VALUES (@id, @task, @number, @worker, now(), CASE WHEN @outcome::text IS NULL THEN NULL ELSE now() END, @outcome)
                """)
            {
                Parameters =
                {
                    new("id", attempt),
                    new("task", task.Id),
                    new("number", ran),
                    new("worker", workerId),
                    new("outcome", NpgsqlDbType.Text) { Value = (object?)outcome ?? DBNull.Value },
                },
            });
        }
        if (status == JobTaskStatus.Pending)
        {
            batch.BatchCommands.Add(new(
                "INSERT INTO outbox_messages (task_id, job_id, tenant_id, priority, created_at) SELECT @task, id, tenant_id, priority, now() FROM jobs WHERE id = @job")
            {
                Parameters = { new("task", task.Id), new("job", job.Id) },
            });
        }
        await batch.ExecuteNonQueryAsync();
        return task;
    }

    // How the latest attempt of a task in this status ended; null while it may still report.
    private static string? OutcomeOf(string status) => status switch
    {
        JobTaskStatus.Succeeded => AttemptOutcome.Succeeded,
        JobTaskStatus.Failed or JobTaskStatus.Retrying => AttemptOutcome.Failed,
        JobTaskStatus.DeadLettered => AttemptOutcome.Lost,
        JobTaskStatus.Enqueued or JobTaskStatus.Pending => AttemptOutcome.Released,
        _ => null,
    };
}
