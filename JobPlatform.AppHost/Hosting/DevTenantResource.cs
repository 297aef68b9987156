using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using JobPlatform.Contracts;
using Microsoft.Extensions.Logging;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// The development tenant: once the Api is healthy, makes sure the tenant exists with generous limits
/// and has a working API key, kept in <see cref="KeyFile"/> across runs. Referencing it passes
/// <c>JOBPLATFORM_API_KEY</c> and <c>JOBPLATFORM_TENANT</c>, which the console signs in with. It runs
/// nothing: the dashboard shows it as a resource whose state says whether the key is ready.
/// </summary>
public sealed class DevTenantResource(string name, string tenantId, string keyFile) : Resource(name)
{
    /// <summary>Limits no development session reaches: the benchmark and the test suite run as this tenant too.</summary>
    public static readonly CreateTenantRequest Limits = new(null, "Development", RateLimitPerMinute: 6_000_000, RateLimitBurst: 100_000, MaxRunningTasks: 100_000, MaxEventStreams: 1_000);

    public string TenantId { get; } = tenantId;

    /// <summary>Where the key is written, readable by this user only.</summary>
    public string KeyFile { get; } = keyFile;

    /// <summary>The tenant's key, once ready.</summary>
    public string ApiKey { get; internal set; } = "";
}

public static class DevTenantBuilderExtensions
{
    /// <summary>
    /// Adds the development tenant <paramref name="tenantId"/>, set up through <paramref name="api"/>
    /// with <paramref name="adminKey"/> once the Api is healthy.
    /// </summary>
    public static IResourceBuilder<DevTenantResource> AddDevTenant(this IDistributedApplicationBuilder builder, string name, string tenantId,
        IResourceBuilder<ProjectResource> api, IResourceBuilder<ParameterResource> adminKey, string keyFile)
    {
        var tenant = new DevTenantResource(name, tenantId, keyFile);
        builder.Eventing.Subscribe<InitializeResourceEvent>(tenant, (e, ct) =>
        {
            // Not awaited: initialisation must not hold up the other resources while the Api starts.
            BackgroundWork.Start($"Setting up {name}", e.Logger, token => SetUpAsync(e, tenant, api.Resource, adminKey.Resource, token), ct);
            return Task.CompletedTask;
        });
        return builder.AddResource(tenant)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "DevTenant",
                State = KnownResourceStates.Waiting,
                Properties = [new("tenant", tenantId), new("key file", keyFile)],
            })
            .WithIconName("PersonKey")
            .ExcludeFromManifest();
    }

    /// <summary>Passes the tenant's key and id as <c>JOBPLATFORM_API_KEY</c> and <c>JOBPLATFORM_TENANT</c>, and starts only once they are ready.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<DevTenantResource> tenant)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport =>
        builder.WaitFor(tenant).WithEnvironment(context =>
        {
            context.EnvironmentVariables["JOBPLATFORM_API_KEY"] = tenant.Resource.ApiKey;
            context.EnvironmentVariables["JOBPLATFORM_TENANT"] = tenant.Resource.TenantId;
        });

    private static async Task SetUpAsync(InitializeResourceEvent e, DevTenantResource tenant, ProjectResource api, ParameterResource adminKey, CancellationToken ct)
    {
        try
        {
            await e.Notifications.WaitForResourceHealthyAsync(api.Name, ct);
            await e.Notifications.PublishUpdateAsync(tenant, s => s with { State = KnownResourceStates.Starting });
            var url = new Uri(api.GetEndpoint("http").Url);
            tenant.ApiKey = await EnsureKeyAsync(url, tenant, await adminKey.GetValueAsync(ct) ?? "", e.Logger, ct);
            await e.Notifications.PublishUpdateAsync(tenant, s => s with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            e.Logger.LogError(ex, "Could not set up the development tenant '{Tenant}'", tenant.TenantId);
            await e.Notifications.PublishUpdateAsync(tenant, s => s with { State = KnownResourceStates.FailedToStart });
        }
    }

    private static async Task<string> EnsureKeyAsync(Uri api, DevTenantResource tenant, string adminKey, ILogger log, CancellationToken ct)
    {
        using var admin = new HttpClient { BaseAddress = api };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        using (var created = await admin.PostAsJsonAsync("/api/v1/tenants", DevTenantResource.Limits with { Id = tenant.TenantId }, ct))
        {
            if (created.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
            {
                throw new InvalidOperationException($"Could not create tenant '{tenant.TenantId}': {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(ct)}");
            }
        }

        var kept = File.Exists(tenant.KeyFile) ? (await File.ReadAllTextAsync(tenant.KeyFile, ct)).Trim() : "";
        if (kept.Length > 0 && await WorksAsync(api, tenant.TenantId, kept, ct))
        {
            log.LogInformation("Tenant '{Tenant}' signs in with the key in {KeyFile}", tenant.TenantId, tenant.KeyFile);
            return kept;
        }

        using var issued = await admin.PostAsJsonAsync($"/api/v1/tenants/{tenant.TenantId}/keys", new CreateApiKeyRequest("development"), ct);
        if (!issued.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Could not issue a key for tenant '{tenant.TenantId}': {(int)issued.StatusCode} {await issued.Content.ReadAsStringAsync(ct)}");
        }
        var key = (await issued.Content.ReadFromJsonAsync<ApiKeyCreatedResponse>(ct))!.Key;
        await PrivateFile.WriteAsync(tenant.KeyFile, key, ct);
        log.LogInformation("Issued a key for tenant '{Tenant}' into {KeyFile}", tenant.TenantId, tenant.KeyFile);
        return key;
    }

    /// <summary>Whether a kept key still authenticates as this tenant (the database may have been wiped since).</summary>
    private static async Task<bool> WorksAsync(Uri api, string tenantId, string key, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = api };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var me = await http.GetAsync("/api/v1/tenants/me", ct);
        return me.IsSuccessStatusCode && (await me.Content.ReadFromJsonAsync<TenantUsageResponse>(ct))?.Id == tenantId;
    }
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
