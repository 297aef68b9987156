using JobPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace JobPlatform.Worker.Sdk.Pipeline;

/// <summary>
/// The pipeline's fourth step: sends attempt reports to the Api in batches (POST
/// /api/v1/tasks/reports): under load, one request and one transaction carry hundreds of reports
/// instead of one each. Each caller still gets its own task's answer, and its message is deleted only
/// after it.
/// </summary>
internal sealed class TaskReporter(IServiceProvider services, IOptions<WorkerOptions> options) : IAsyncDisposable
{
    /// <summary>
    /// The most reports in one request: a fifth of what the Api takes (<see cref="WorkerRoutes.MaxReportBatch"/>),
    /// so one request's transaction holds few task rows at a time.
    /// </summary>
    public const int MaxBatch = WorkerRoutes.MaxReportBatch / 5;

    private const int Concurrency = 2;

    private readonly Batcher<TaskReport, TaskReportResult> _batcher = new(
        // A typed client per batch: the factory rotates its handlers.
        async reports => await services.GetRequiredService<JobPlatformApiClient>()
            .ReportTasksAsync(new ReportTasksRequest(options.Value.WorkerId, reports), CancellationToken.None),
        MaxBatch, Concurrency, spanName: "report tasks");

    /// <summary>Reports one ended attempt, from inside its span; returns the Api's answer for it.</summary>
    public Task<TaskReportResult> ReportAsync(TaskReport report) => _batcher.SendAsync(report);

    public ValueTask DisposeAsync() => _batcher.DisposeAsync();
}
