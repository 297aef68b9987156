using JobPlatform.Api.Data;
using JobPlatform.Api.Lifecycle;
using JobPlatform.Contracts;
using Microsoft.EntityFrameworkCore;

namespace JobPlatform.Api.Apis;

/// <summary>Turns rows into the Api's wire types.</summary>
internal static class JobMapper
{
    public static JobResponse ToResponse(this Job job, TaskCounts counts) => new(
        job.Id, job.Name, job.Type, job.Status, job.TaskCount, job.MaxAttempts, job.FailureThreshold, job.TimeoutSeconds, job.Parameters, counts,
        JobPriority.FromRank(job.Priority),
        job.CreatedAt, job.UpdatedAt, job.StartedAt, job.FinishedAt, Queue: job.Queue, RetryBackoff: job.RetryBackoff,
        RunAt: job.RunAt, ScheduleId: job.ScheduleId);

    public static TaskResponse ToResponse(this JobTask task, IReadOnlyList<TaskAttempt>? attempts = null, string? jobName = null) => new(
        task.Id, task.JobId, jobName, task.Index, task.Type, task.Status, task.Attempts, task.MaxAttempts, task.WorkerId,
        task.Error, task.Input, task.Result, task.CreatedAt, task.UpdatedAt, task.StartedAt, task.FinishedAt,
        task.ProgressFraction is null && task.ProgressMessage is null ? null : new TaskProgress(task.ProgressFraction, task.ProgressMessage),
        attempts?.Select(a => new AttemptResponse(a.Id, a.Number, a.WorkerId, a.StartedAt, a.EndedAt, a.Outcome, a.Error, a.ErrorDetail)).ToList());

    /// <summary>Counts each job's tasks by status in one query.</summary>
    public static async Task<Dictionary<Guid, TaskCounts>> CountTasksAsync(this JobsDbContext db, IReadOnlyCollection<Guid> jobIds, CancellationToken ct)
    {
        // The ids come from a query the caller was allowed to make (a tenant's filtered one, or the event broadcaster's).
        var rows = await db.Tasks.IgnoreQueryFilters()
            .Where(t => jobIds.Contains(t.JobId))
            .GroupBy(t => new { t.JobId, t.Status })
            .Select(g => new { g.Key.JobId, g.Key.Status, Count = g.Count() })
            .ToListAsync(ct);

        return jobIds.ToDictionary(id => id, id =>
        {
            var byStatus = rows.Where(r => r.JobId == id).ToDictionary(r => r.Status, r => r.Count);
            int Count(string status) => byStatus.GetValueOrDefault(status);
            return new TaskCounts(
                Pending: Count(JobTaskStatus.Pending),
                Enqueued: Count(JobTaskStatus.Enqueued),
                Running: Count(JobTaskStatus.Running),
                Retrying: Count(JobTaskStatus.Retrying),
                Succeeded: Count(JobTaskStatus.Succeeded),
                Failed: Count(JobTaskStatus.Failed),
                DeadLettered: Count(JobTaskStatus.DeadLettered),
                Cancelled: Count(JobTaskStatus.Cancelled));
        });
    }
}
