using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobPlatform.Contracts;

namespace JobPlatform.Worker.Sdk;

/// <summary>The worker's side of the worker protocol: claim, then report. Its base address is <see cref="WorkerOptions.ApiUrl"/>.</summary>
internal sealed class JobPlatformApiClient(HttpClient http)
{
    /// <summary>The setting that holds the workers' credential, the same name the Api reads.</summary>
    public const string WorkerKeySetting = "Auth:WorkerKey";

    /// <summary>Claims every task of one receive; one answer per claim, in order.</summary>
    public async Task<IReadOnlyList<TaskClaimResult>> ClaimTasksAsync(ClaimTasksRequest request, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(WorkerRoutes.ClaimsPath, request, JsonSerializerOptions.Web, ct);
        await EnsureSuccessAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<ClaimTasksResponse>(JsonSerializerOptions.Web, ct))!.Results;
    }

    /// <summary>Reports a batch of ended attempts; one answer per report, in order.</summary>
    public async Task<IReadOnlyList<TaskReportResult>> ReportTasksAsync(ReportTasksRequest request, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(WorkerRoutes.ReportsPath, request, JsonSerializerOptions.Web, ct);
        await EnsureSuccessAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<ReportTasksResponse>(JsonSerializerOptions.Web, ct))!.Results;
    }

    /// <summary>Extends the attempt's lease; returns null and the task's status when the attempt no longer holds the task.</summary>
    public async Task<(HeartbeatResponse? Extended, string? TaskStatus)> HeartbeatAsync(Guid taskId, HeartbeatRequest request, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(WorkerRoutes.HeartbeatPath(taskId), request, JsonSerializerOptions.Web, ct);
        if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return (null, await ReadTaskStatusAsync(response, ct));
        }
        await EnsureSuccessAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<HeartbeatResponse>(JsonSerializerOptions.Web, ct), null);
    }

    /// <summary>Says this replica is alive (or stopping).</summary>
    public async Task ReportPresenceAsync(string workerId, WorkerPresenceRequest request, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync($"/api/v1/workers/{Uri.EscapeDataString(workerId)}/presence", request, JsonSerializerOptions.Web, ct);
        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>Registers the task types this replica runs, with their input schemas.</summary>
    public async Task RegisterTaskTypesAsync(string workerId, RegisterTaskTypesRequest request, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(WorkerRoutes.TaskTypesPath(workerId), request, JsonSerializerOptions.Web, ct);
        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>The task status a 409 or 404 problem carries, if any.</summary>
    private static async Task<string?> ReadTaskStatusAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return problem.RootElement.TryGetProperty(WorkerRoutes.TaskStatusExtension, out var status) ? status.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase} from {response.RequestMessage?.RequestUri}: {body}", null, response.StatusCode);
        }
    }
}
