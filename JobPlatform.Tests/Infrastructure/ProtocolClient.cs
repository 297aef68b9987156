using System.Net;
using System.Net.Http.Json;
using JobPlatform.Contracts;

namespace JobPlatform.Tests.Infrastructure;

/// <summary>
/// The worker protocol as a test plays a worker: the same batch calls the workers make, one task at a
/// time, on the worker credential's client.
/// </summary>
public static class ProtocolClient
{
    public const string TestWorker = "test-worker";

    public static async Task<TaskClaimResult> ClaimAsync(
        this HttpClient worker, Guid taskId, Guid attemptId, string workerId = TestWorker, TimeSpan? lease = null)
    {
        using var response = await worker.PostAsJsonAsync(WorkerRoutes.ClaimsPath,
            new ClaimTasksRequest(workerId, [new TaskClaimItem(taskId, attemptId, ReceiveCount: 1)], lease), JobsClient.Json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single((await response.Content.ReadFromJsonAsync<ClaimTasksResponse>(JobsClient.Json))!.Results);
    }

    public static async Task<TaskGrant> ClaimGrantedAsync(
        this HttpClient worker, Guid taskId, Guid attemptId, string workerId = TestWorker, TimeSpan? lease = null)
    {
        var result = await worker.ClaimAsync(taskId, attemptId, workerId, lease);
        return result.Grant ?? throw new Xunit.Sdk.XunitException($"The claim of task {taskId} was refused: the task is {result.TaskStatus ?? "missing"}.");
    }

    public static async Task<TaskReportResult> ReportAsync(this HttpClient worker, TaskReport report, string workerId = TestWorker) =>
        Assert.Single(await worker.ReportAsync([report], workerId));

    public static async Task<IReadOnlyList<TaskReportResult>> ReportAsync(this HttpClient worker, IReadOnlyList<TaskReport> reports, string workerId = TestWorker)
    {
        using var response = await worker.PostAsJsonAsync(WorkerRoutes.ReportsPath, new ReportTasksRequest(workerId, reports), JobsClient.Json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReportTasksResponse>(JobsClient.Json))!.Results;
    }
}
