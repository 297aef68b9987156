using System.Diagnostics;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace JobPlatform.Worker;

/// <summary>
/// Sends attempt reports to the Api in batches (POST /api/v1/tasks/reports): under load, one request
/// and one transaction carry hundreds of reports instead of one each. Each caller still gets its own
/// task's answer, and deletes its message only after it.
/// </summary>
public sealed class TaskReporter(IServiceProvider services, IOptions<WorkerOptions> options) : IAsyncDisposable
{
    /// <summary>The most reports in one request.</summary>
    public const int MaxBatch = 200;

    private const int Concurrency = 2;

    private readonly Batcher<(TaskReport Report, ActivityContext Trace), TaskReportResult> _batcher = new(
        async reports =>
        {
            // The batch's call shows in the trace of its first attempt, linked from the others'.
            using var span = TaskTracing.Source.StartActivity("report tasks", ActivityKind.Internal, reports[0].Trace,
                links: reports.Skip(1).Where(r => r.Trace != default).Select(r => new ActivityLink(r.Trace)));
            span?.SetTag("task.report.count", reports.Count);
            // A typed client per batch: the factory rotates its handlers.
            return await services.GetRequiredService<JobPlatformApiClient>()
                .ReportTasksAsync(new ReportTasksRequest(options.Value.WorkerId, reports.Select(r => r.Report).ToList()), CancellationToken.None);
        },
        MaxBatch, Concurrency);

    /// <summary>Reports one ended attempt, from inside its span; returns the Api's answer for it.</summary>
    public Task<TaskReportResult> ReportAsync(TaskReport report) => _batcher.SendAsync((report, Activity.Current?.Context ?? default));

    public ValueTask DisposeAsync() => _batcher.DisposeAsync();
}
