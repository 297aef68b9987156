using JobPlatform.Api.Identity;
using Microsoft.EntityFrameworkCore;

namespace JobPlatform.Api.Data;

/// <summary>
/// The schema of database <c>jobsdb</c>. Names are snake_case; statuses are lowercase text.
/// Tenant data is filtered to the caller's tenant here, once, for every query: another tenant's
/// rows behave as if they did not exist. Code acting for no tenant (the worker protocol and the
/// background services) says so with <c>IgnoreQueryFilters()</c>.
/// </summary>
public sealed class JobsDbContext(DbContextOptions<JobsDbContext> options, CurrentTenant tenant) : DbContext(options)
{
    /// <summary>The caller's tenant; null matches no tenant's rows.</summary>
    private string? TenantId => tenant.Id;

    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Job> Jobs => Set<Job>();
    public DbSet<JobTask> Tasks => Set<JobTask>();
    public DbSet<TaskAttempt> TaskAttempts => Set<TaskAttempt>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<IdempotencyKey> IdempotencyKeys => Set<IdempotencyKey>();
    public DbSet<DeadLetter> DeadLetters => Set<DeadLetter>();
    public DbSet<WorkerPresence> Workers => Set<WorkerPresence>();
    public DbSet<TaskTypeEntry> TaskTypes => Set<TaskTypeEntry>();
    public DbSet<Schedule> Schedules => Set<Schedule>();
    public DbSet<ScheduleRun> ScheduleRuns => Set<ScheduleRun>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Job>(job =>
        {
            job.ToTable("jobs");
            job.Property(j => j.Id).ValueGeneratedNever();
            job.Property(j => j.Parameters).HasColumnType("jsonb");
            job.Property(j => j.Priority).HasDefaultValue((short)2);
            job.Property(j => j.Queue).HasMaxLength(Contracts.QueueNames.MaxLength).HasDefaultValue(Contracts.QueueNames.Default);
            job.Property(j => j.RetryBackoff).HasColumnType("jsonb").HasConversion(RetryBackoffJson.Converter);
            job.Property(j => j.TraceParent).HasMaxLength(55);
            job.HasIndex(j => new { j.TenantId, j.CreatedAt });
            job.HasIndex(j => new { j.TenantId, j.Status, j.CreatedAt });
            // The cap on unfinished tasks reads each tenant's unfinished jobs; without this it read all of its jobs ever.
            job.HasIndex(j => j.TenantId).HasDatabaseName("ix_jobs_unfinished").HasFilter("finished_tasks < task_count");
            // The pruner walks finished jobs oldest first.
            job.HasIndex(j => j.FinishedAt).HasDatabaseName("ix_jobs_finished_at").HasFilter("finished_at IS NOT NULL");
            // The relay finds delayed jobs that are due, soonest first.
            job.HasIndex(j => j.RunAt).HasDatabaseName("ix_jobs_scheduled").HasFilter("status = 'scheduled'");
            // A schedule's page lists the jobs its firings made.
            job.HasIndex(j => j.ScheduleId).HasFilter("schedule_id IS NOT NULL");
            job.HasOne<Tenant>().WithMany().HasForeignKey(j => j.TenantId).OnDelete(DeleteBehavior.Restrict);
            job.HasQueryFilter(j => j.TenantId == TenantId);
        });

        model.Entity<JobTask>(task =>
        {
            task.ToTable("tasks");
            task.Property(t => t.Id).ValueGeneratedNever();
            task.Property(t => t.Result).HasColumnType("jsonb");
            task.Property(t => t.Input).HasColumnType("jsonb");
            task.Property(t => t.ProgressMessage).HasMaxLength(Contracts.TaskProgress.MaxMessageLength);
            task.HasOne<Job>().WithMany().HasForeignKey(t => t.JobId).OnDelete(DeleteBehavior.Cascade);
            task.HasIndex(t => new { t.JobId, t.Index }).IsUnique();
            task.HasIndex(t => new { t.JobId, t.Status });
            // Small partial indexes: only the rows the Failures and Workers pages look for.
            task.HasIndex(t => new { t.TenantId, t.FinishedAt })
                .HasDatabaseName("ix_tasks_failures").HasFilter("status IN ('failed', 'dead_lettered')");
            task.HasIndex(t => t.WorkerId)
                .HasDatabaseName("ix_tasks_running_worker").HasFilter("status = 'running'");
            // The relay finds retries whose backoff ended, soonest first.
            task.HasIndex(t => t.RetryAt).HasDatabaseName("ix_tasks_retry_due").HasFilter("status = 'retrying'");
            // A tenant's tasks by status (GET /tenants/me, GET /tasks?status=): without it they read
            // every tenant's tasks (QueryPlanTests).
            task.HasIndex(t => new { t.TenantId, t.Status });
            task.HasQueryFilter(t => t.TenantId == TenantId);
        });

        model.Entity<TaskAttempt>(attempt =>
        {
            attempt.ToTable("task_attempts");
            attempt.Property(a => a.Id).ValueGeneratedNever();
            attempt.HasOne<JobTask>().WithMany().HasForeignKey(a => a.TaskId).OnDelete(DeleteBehavior.Cascade);
            attempt.HasIndex(a => new { a.TaskId, a.Number });
        });

        model.Entity<OutboxMessage>(outbox =>
        {
            outbox.ToTable("outbox_messages");
            outbox.Property(o => o.Id).UseIdentityAlwaysColumn();
            // The relay takes each tenant's rows of each queue in priority order.
            outbox.HasIndex(o => new { o.TenantId, o.Queue, o.Priority, o.Id });
            outbox.Property(o => o.Queue).HasMaxLength(Contracts.QueueNames.MaxLength).HasDefaultValue(Contracts.QueueNames.Default);
            outbox.Property(o => o.TraceParent).HasMaxLength(55);
        });

        model.Entity<DeadLetter>(letter =>
        {
            letter.ToTable("dead_letters");
            letter.Property(l => l.Id).UseIdentityAlwaysColumn();
            // SQS may deliver a dead letter twice; the message id makes the record idempotent.
            letter.HasIndex(l => l.MessageId).IsUnique();
            letter.HasIndex(l => l.TaskId);
            letter.HasIndex(l => l.RecordedAt);
        });

        model.Entity<WorkerPresence>(worker =>
        {
            worker.ToTable("workers");
            worker.HasIndex(w => w.LastHeartbeatAt);
            worker.Property(w => w.TaskTypes).HasDefaultValueSql("'{}'");
            worker.Property(w => w.Queues).HasDefaultValueSql("'{}'");
        });

        model.Entity<TaskTypeEntry>(type =>
        {
            type.ToTable("task_types");
            type.HasKey(t => t.Name);
            type.Property(t => t.InputSchema).HasColumnType("jsonb");
            type.Property(t => t.Queue).HasMaxLength(Contracts.QueueNames.MaxLength).HasDefaultValue(Contracts.QueueNames.Default);
            type.Property(t => t.RetryBackoff).HasColumnType("jsonb").HasConversion(RetryBackoffJson.Converter);
        });

        model.Entity<Schedule>(schedule =>
        {
            schedule.ToTable("schedules");
            schedule.Property(s => s.Id).ValueGeneratedNever();
            schedule.Property(s => s.Name).HasMaxLength(Contracts.ScheduleLimits.MaxNameLength);
            schedule.Property(s => s.Cron).HasMaxLength(Contracts.ScheduleLimits.MaxCronLength);
            schedule.Property(s => s.TimeZone).HasMaxLength(100);
            schedule.Property(s => s.Template).HasColumnType("jsonb");
            schedule.Property(s => s.Overlap).HasMaxLength(20);
            schedule.Property(s => s.CatchUp).HasMaxLength(20);
            schedule.HasOne<Tenant>().WithMany().HasForeignKey(s => s.TenantId).OnDelete(DeleteBehavior.Restrict);
            schedule.HasIndex(s => new { s.TenantId, s.CreatedAt });
            // The firer looks for schedules that are due, soonest first.
            schedule.HasIndex(s => s.NextFireAt).HasDatabaseName("ix_schedules_due").HasFilter("NOT paused");
            schedule.HasQueryFilter(s => s.TenantId == TenantId);
        });

        model.Entity<ScheduleRun>(run =>
        {
            run.ToTable("schedule_runs");
            run.Property(r => r.Outcome).HasMaxLength(20);
            run.HasOne<Schedule>().WithMany().HasForeignKey(r => r.ScheduleId).OnDelete(DeleteBehavior.Cascade);
            run.HasIndex(r => new { r.ScheduleId, r.FireTime });
            run.HasQueryFilter(r => r.TenantId == TenantId);
        });

        model.Entity<IdempotencyKey>(key =>
        {
            key.ToTable("idempotency_keys");
            key.HasKey(k => new { k.TenantId, k.Key });
            // Text, not jsonb: a replay must be the first response byte for byte.
            key.Property(k => k.ResponseBody).HasColumnType("text");
            key.HasIndex(k => k.CreatedAt);
            key.HasQueryFilter(k => k.TenantId == TenantId);
        });

        model.Entity<Tenant>(t =>
        {
            t.ToTable("tenants");
            t.Property(x => x.Id).ValueGeneratedNever();
        });

        model.Entity<ApiKey>(key =>
        {
            key.ToTable("api_keys");
            key.Property(k => k.Id).ValueGeneratedNever();
            key.HasOne<Tenant>().WithMany().HasForeignKey(k => k.TenantId).OnDelete(DeleteBehavior.Cascade);
            key.HasIndex(k => k.Hash).IsUnique();
            key.HasIndex(k => k.TenantId);
        });
    }
}

/// <summary>A <see cref="Contracts.RetryBackoff"/> as jsonb, in the Api's camelCase: the SQL of the report path reads it too.</summary>
internal static class RetryBackoffJson
{
    public static string? Write(Contracts.RetryBackoff? backoff) =>
        backoff is null ? null : System.Text.Json.JsonSerializer.Serialize(backoff, System.Text.Json.JsonSerializerOptions.Web);

    public static Contracts.RetryBackoff? Read(string? json) =>
        json is null ? null : System.Text.Json.JsonSerializer.Deserialize<Contracts.RetryBackoff>(json, System.Text.Json.JsonSerializerOptions.Web);

    public static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<Contracts.RetryBackoff?, string?> Converter =
        new(backoff => Write(backoff), json => Read(json));
}
