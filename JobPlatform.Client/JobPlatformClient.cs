using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using JobPlatform.Contracts;
using Microsoft.Extensions.Options;

namespace JobPlatform.Client;

/// <summary>
/// The JobPlatform Api for a tenant's code: submit, read, follow, cancel and retry jobs, and, with the
/// administrator's key, manage tenants and their keys. Register it with
/// <see cref="JobPlatformClientExtensions.AddJobPlatformClient"/>. A refused call throws
/// <see cref="JobPlatformApiException"/> with the Api's problem document.
/// </summary>
public sealed partial class JobPlatformClient(HttpClient http, IOptions<JobPlatformClientOptions> options)
{
    private const string Jobs = "/api/v1/jobs";
    private const string IdempotencyKeyHeader = "Idempotency-Key";

    private JobPlatformClientOptions Options => options.Value;

    /// <summary>
    /// Submits a job. Every try of this one submission carries the same Idempotency-Key (a new one
    /// unless <paramref name="idempotencyKey"/> is given), so a retry after a lost answer returns the
    /// job the first try made instead of making a second.
    /// </summary>
    public async Task<JobResponse> SubmitAsync(SubmitJobRequest job, string? idempotencyKey = null, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Jobs) { Content = JsonContent.Create(job, options: JobPlatformJson.Options) };
        request.Headers.Add(IdempotencyKeyHeader, idempotencyKey ?? NewIdempotencyKey());
        return await SendAsync<JobResponse>(request, ct);
    }

    /// <summary>
    /// Submits a job whose task inputs are the lines of <paramref name="inputs"/> (NDJSON, one JSON
    /// object per line), streamed to the Api as they are read: for jobs too big for one JSON body.
    /// <paramref name="job"/> must give neither <c>taskCount</c> nor <c>inputs</c>. A seekable stream
    /// is read again from where it started when a try is sent again.
    /// </summary>
    public async Task<JobResponse> SubmitAsync(SubmitJobRequest job, Stream inputs, string? idempotencyKey = null, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Jobs) { Content = new NdjsonJobContent(job, inputs) };
        request.Headers.Add(IdempotencyKeyHeader, idempotencyKey ?? NewIdempotencyKey());
        return await SendAsync<JobResponse>(request, ct);
    }

    public Task<JobResponse> GetJobAsync(Guid jobId, CancellationToken ct = default) =>
        GetAsync<JobResponse>($"{Jobs}/{jobId}", ct);

    /// <summary>One page of jobs, newest first.</summary>
    public Task<PagedResponse<JobResponse>> GetJobsPageAsync(JobQuery? query = null, int page = 1, int pageSize = JobLimits.DefaultPageSize, CancellationToken ct = default) =>
        GetAsync<PagedResponse<JobResponse>>(Jobs + Query(("page", page.ToString()), ("pageSize", pageSize.ToString()), ("status", query?.Status), ("name", query?.Name)), ct);

    /// <summary>
    /// Every job that matches <paramref name="query"/>, newest first, fetched a page at a time as the
    /// caller reads. Jobs submitted while it reads may push a job seen on one page onto the next.
    /// </summary>
    public IAsyncEnumerable<JobResponse> ListJobsAsync(JobQuery? query = null, int pageSize = 100, CancellationToken ct = default) =>
        PagesAsync(page => GetJobsPageAsync(query, page, pageSize, ct), ct);

    /// <summary>A job's tasks in order, optionally in one status only, a page at a time as the caller reads.</summary>
    public IAsyncEnumerable<TaskResponse> ListJobTasksAsync(Guid jobId, string? status = null, int pageSize = 200, CancellationToken ct = default) =>
        PagesAsync(page => GetAsync<PagedResponse<TaskResponse>>(
            $"{Jobs}/{jobId}/tasks" + Query(("page", page.ToString()), ("pageSize", pageSize.ToString()), ("status", status)), ct), ct);

    /// <summary>Tasks across all jobs in any of <paramref name="statuses"/> (for example failed and dead_lettered), the most recently finished first.</summary>
    public IAsyncEnumerable<TaskResponse> ListTasksAsync(IEnumerable<string> statuses, int pageSize = 200, CancellationToken ct = default)
    {
        var filter = statuses.Select(s => ("status", (string?)s)).ToArray();
        return PagesAsync(page => GetAsync<PagedResponse<TaskResponse>>(
            "/api/v1/tasks" + Query([.. filter, ("page", page.ToString()), ("pageSize", pageSize.ToString())]), ct), ct);
    }

    /// <summary>A task with its attempts.</summary>
    public Task<TaskResponse> GetTaskAsync(Guid taskId, CancellationToken ct = default) =>
        GetAsync<TaskResponse>($"/api/v1/tasks/{taskId}", ct);

    /// <summary>Cancels a job: its unfinished tasks are cancelled, running ones stop at their next heartbeat.</summary>
    public Task<JobResponse> CancelJobAsync(Guid jobId, CancellationToken ct = default) =>
        PostAsync<JobResponse>($"{Jobs}/{jobId}/cancel", ct);

    /// <summary>Runs a finished job's failed, dead-lettered and cancelled tasks again.</summary>
    public Task<JobResponse> RetryJobAsync(Guid jobId, CancellationToken ct = default) =>
        PostAsync<JobResponse>($"{Jobs}/{jobId}/retry", ct);

    /// <summary>Deletes a finished job with its tasks, attempts and results.</summary>
    public async Task DeleteJobAsync(Guid jobId, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{Jobs}/{jobId}");
        using var response = await http.SendAsync(request, ct);
        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>
    /// A job's results in task order, one line per task, streamed as the Api reads them. When the
    /// connection drops, it is opened again after the last line read (up to
    /// <see cref="JobPlatformClientOptions.MaxRetries"/> times in a row).
    /// </summary>
    public async IAsyncEnumerable<TaskResultLine> ReadResultsAsync(Guid jobId, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var after = -1;
        var drops = 0;
        while (true)
        {
            using var response = await http.GetAsync($"{Jobs}/{jobId}/results?after={after}", HttpCompletionOption.ResponseHeadersRead, ct);
            await EnsureSuccessAsync(response, ct);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            var ended = false;
            while (true)
            {
                string? line;
                try
                {
                    line = await reader.ReadLineAsync(ct);
                }
                catch (Exception e) when (e is IOException or HttpRequestException && drops < Options.MaxRetries)
                {
                    drops++;
                    break;
                }
                if (line is null)
                {
                    ended = true;
                    break;
                }
                if (line.Length == 0)
                {
                    continue;
                }
                var result = JsonSerializer.Deserialize<TaskResultLine>(line, JobPlatformJson.Options)!;
                after = result.Index;
                drops = 0;
                yield return result;
            }
            if (ended)
            {
                yield break;
            }
        }
    }

    /// <summary>Who the caller is: its tenant, limits and what it uses now.</summary>
    public Task<TenantUsageResponse> GetMyTenantAsync(CancellationToken ct = default) =>
        GetAsync<TenantUsageResponse>("/api/v1/tenants/me", ct);

    /// <summary>Every tenant (administrator's key only).</summary>
    public Task<IReadOnlyList<TenantResponse>> ListTenantsAsync(CancellationToken ct = default) =>
        GetAsync<IReadOnlyList<TenantResponse>>("/api/v1/tenants", ct);

    /// <summary>Creates a tenant (administrator's key only).</summary>
    public Task<TenantResponse> CreateTenantAsync(CreateTenantRequest tenant, CancellationToken ct = default) =>
        PostAsync<TenantResponse>("/api/v1/tenants", ct, tenant);

    /// <summary>Issues a key for a tenant (administrator's key only); the secret is in the answer only.</summary>
    public Task<ApiKeyCreatedResponse> CreateKeyAsync(string tenantId, string? name = null, CancellationToken ct = default) =>
        PostAsync<ApiKeyCreatedResponse>($"/api/v1/tenants/{Uri.EscapeDataString(tenantId)}/keys", ct, new CreateApiKeyRequest(name));

    /// <summary>A tenant's keys, without their secrets (administrator's key only).</summary>
    public Task<IReadOnlyList<ApiKeyResponse>> ListKeysAsync(string tenantId, CancellationToken ct = default) =>
        GetAsync<IReadOnlyList<ApiKeyResponse>>($"/api/v1/tenants/{Uri.EscapeDataString(tenantId)}/keys", ct);

    /// <summary>Revokes a key (administrator's key only): calls with it, and with the tokens it got, are refused from then on.</summary>
    public async Task RevokeKeyAsync(string tenantId, Guid keyId, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/tenants/{Uri.EscapeDataString(tenantId)}/keys/{keyId}");
        using var response = await http.SendAsync(request, ct);
        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>A key for one logical submission: random, so no two submissions share one.</summary>
    public static string NewIdempotencyKey() => $"jp-client-{Guid.NewGuid():N}";

    private async Task<T> GetAsync<T>(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await SendAsync<T>(request, ct);
    }

    private async Task<T> PostAsync<T>(string path, CancellationToken ct, object? body = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: JobPlatformJson.Options),
        };
        return await SendAsync<T>(request, ct);
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken ct)
    {
        using var response = await http.SendAsync(request, ct);
        await EnsureSuccessAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<T>(JobPlatformJson.Options, ct))!;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await JobPlatformApiException.FromResponseAsync(response, ct);
        }
    }

    private static async IAsyncEnumerable<T> PagesAsync<T>(Func<int, Task<PagedResponse<T>>> fetch, [EnumeratorCancellation] CancellationToken ct)
    {
        for (var page = 1; ; page++)
        {
            ct.ThrowIfCancellationRequested();
            var items = await fetch(page);
            foreach (var item in items.Items)
            {
                yield return item;
            }
            if (page >= items.TotalPages || items.Items.Count == 0)
            {
                yield break;
            }
        }
    }

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join("&", given);
    }
}

/// <summary>Which jobs a list returns.</summary>
/// <param name="Status">Only jobs in this status (see <see cref="JobStatus"/>).</param>
/// <param name="Name">Only jobs whose name contains this, in any case.</param>
public sealed record JobQuery(string? Status = null, string? Name = null);
