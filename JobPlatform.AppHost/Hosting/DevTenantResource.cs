using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using JobPlatform.Contracts;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// The development tenant: once the Api is healthy, makes sure the tenant exists with generous limits
/// and has a working API key, kept in <c>{data}/dev-tenant.key</c> across runs. Referencing it passes
/// <c>JOBPLATFORM_API_KEY</c> and <c>JOBPLATFORM_TENANT</c>, which the console signs in with.
/// </summary>
public sealed class DevTenantResource(string name, string tenantId, ProjectResource api, SecretResource adminKey) : Resource(name)
{
    public const string KeyFileName = "dev-tenant.key";


    /// <summary>Limits no development session reaches: the benchmark and the test suite run as this tenant too.</summary>
    public static readonly CreateTenantRequest Limits = new(null, "Development", RateLimitPerMinute: 6_000_000, RateLimitBurst: 100_000, MaxRunningTasks: 100_000);

    public string TenantId { get; } = tenantId;

    /// <summary>The tenant's key, once started.</summary>
    public string ApiKey { get; private set; } = "";

    /// <summary>Where the key is written.</summary>
    public string? KeyFile { get; private set; }

    /// <summary>The summary prints the key, as Aspire prints its dashboard's token: it is for this machine's developer.</summary>
    public override string? DisplayUrl => KeyFile is null ? null : $"tenant '{TenantId}', key {ApiKey} (also in {KeyFile})";

    internal override IEnumerable<KeyValuePair<string, string>> GetReferenceEnvironment() =>
        [new("JOBPLATFORM_API_KEY", ApiKey), new("JOBPLATFORM_TENANT", TenantId)];

    /// <summary>Development only: in a cluster, people sign in to the console with a key of their own.</summary>
    internal override IEnumerable<DeploymentVariable> GetDeploymentReferenceEnvironment() => [];

    internal override async Task StartAsync(AppHostContext context, CancellationToken ct)
    {
        using var admin = new HttpClient { BaseAddress = api.Url };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey.Value);

        using (var created = await admin.PostAsJsonAsync("/api/v1/tenants", Limits with { Id = TenantId }, ct))
        {
            if (created.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
            {
                throw new ResourceStartException(Name, $"could not create tenant '{TenantId}': {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(ct)}");
            }
        }

        KeyFile = Path.Combine(context.DataDirectory, KeyFileName);
        var kept = File.Exists(KeyFile) ? (await File.ReadAllTextAsync(KeyFile, ct)).Trim() : "";
        if (kept.Length > 0 && await WorksAsync(kept, ct))
        {
            ApiKey = kept;
            return;
        }

        using var issued = await admin.PostAsJsonAsync($"/api/v1/tenants/{TenantId}/keys", new CreateApiKeyRequest("development"), ct);
        if (!issued.IsSuccessStatusCode)
        {
            throw new ResourceStartException(Name, $"could not issue a key: {(int)issued.StatusCode} {await issued.Content.ReadAsStringAsync(ct)}");
        }
        ApiKey = (await issued.Content.ReadFromJsonAsync<ApiKeyCreatedResponse>(ct))!.Key;
        await PrivateFile.WriteAsync(KeyFile, ApiKey, ct);
        context.Log.Info(Name, $"issued a key for tenant '{TenantId}' into {KeyFile}");
    }

    /// <summary>Whether a kept key still authenticates as this tenant (the database may have been wiped since).</summary>
    private async Task<bool> WorksAsync(string key, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = api.Url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var me = await http.GetAsync("/api/v1/tenants/me", ct);
        return me.IsSuccessStatusCode && (await me.Content.ReadFromJsonAsync<TenantUsageResponse>(ct))?.Id == TenantId;
    }

    internal override Task StopAsync() => Task.CompletedTask;
}

/// <summary>Writes secrets to files only their owner can read.</summary>
internal static class PrivateFile
{
    public static async Task WriteAsync(string path, string secret, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path);
        await using (File.Create(path))
        {
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        await File.WriteAllTextAsync(path, secret + Environment.NewLine, ct);
    }
}
