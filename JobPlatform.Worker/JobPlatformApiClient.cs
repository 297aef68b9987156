using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JobPlatform.Contracts;

namespace JobPlatform.Worker;

/// <summary>The worker's side of the worker protocol: claim, then report. Base address <c>http://api</c>, resolved by service discovery.</summary>
public sealed class JobPlatformApiClient(HttpClient http)
{
    /// <summary>The Api resource name the AppHost passes as <c>services__api__http__0</c>.</summary>
    public const string BaseAddress = "http://api";

    /// <summary>Returns the grant, or null when the Api refused the claim (the task is finished, leased elsewhere, or unknown).</summary>
    public async Task<ClaimTaskResponse?> ClaimAsync(Guid taskId, ClaimTaskRequest request, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync($"/api/v1/tasks/{taskId}/claim", request, JsonSerializerOptions.Web, ct);
        if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureSuccessAsync(response, ct);
        return await response.Content.ReadFromJsonAsync<ClaimTaskResponse>(JsonSerializerOptions.Web, ct);
    }

    /// <summary>Extends the attempt's lease; returns null and the task's status when the attempt no longer holds the task.</summary>
    public async Task<(HeartbeatResponse? Extended, string? TaskStatus)> HeartbeatAsync(Guid taskId, HeartbeatRequest request, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync($"/api/v1/tasks/{taskId}/heartbeat", request, JsonSerializerOptions.Web, ct);
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

    public Task<TaskReportResponse?> CompleteAsync(Guid taskId, CompleteTaskRequest request, CancellationToken ct) =>
        ReportAsync($"/api/v1/tasks/{taskId}/complete", request, ct);

    public Task<TaskReportResponse?> ReleaseAsync(Guid taskId, ReleaseTaskRequest request, CancellationToken ct) =>
        ReportAsync($"/api/v1/tasks/{taskId}/release", request, ct);

    public Task<TaskReportResponse?> FailAsync(Guid taskId, FailTaskRequest request, CancellationToken ct) =>
        ReportAsync($"/api/v1/tasks/{taskId}/fail", request, ct);

    /// <summary>Returns what the Api did (not applied, for a stale report), or null when it no longer knows the task.</summary>
    private async Task<TaskReportResponse?> ReportAsync<T>(string path, T request, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(path, request, JsonSerializerOptions.Web, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        if (response.StatusCode == HttpStatusCode.Conflict && await ReadTaskStatusAsync(response, ct) is { } status)
        {
            return new TaskReportResponse(status, Applied: false, RetryAfter: null);
        }
        await EnsureSuccessAsync(response, ct);
        return await response.Content.ReadFromJsonAsync<TaskReportResponse>(JsonSerializerOptions.Web, ct);
    }

    /// <summary>The task status a 409 or 404 problem carries, if any.</summary>
    private static async Task<string?> ReadTaskStatusAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return problem.RootElement.TryGetProperty("taskStatus", out var status) ? status.GetString() : null;
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
