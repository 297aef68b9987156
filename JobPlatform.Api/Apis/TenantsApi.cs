using JobPlatform.Api.Data;
using JobPlatform.Api.Identity;
using JobPlatform.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace JobPlatform.Api.Apis;

/// <summary>Tenants and their API keys (administrator only), and a tenant's view of itself.</summary>
public static class TenantsApi
{
    public static IEndpointRouteBuilder MapTenantsApi(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/api/v1/tenants/me").WithTags("Tenants").RequireAuthorization(Policies.Tenant);
        me.MapGet("/", GetUsageAsync).WithName("GetMyTenant")
            .WithSummary("Who the caller is: its tenant, limits, and the tasks it has running and queued now");

        var admin = app.MapGroup("/api/v1/tenants").WithTags("Tenants").RequireAuthorization(Policies.Admin);
        admin.MapPost("/", CreateTenantAsync).WithName("CreateTenant").WithSummary("Create a tenant (administrator only)");
        admin.MapGet("/", ListTenantsAsync).WithName("ListTenants").WithSummary("List tenants (administrator only)");
        admin.MapGet("/{id}", GetTenantAsync).WithName("GetTenant").WithSummary("Get a tenant (administrator only)");
        admin.MapPost("/{id}/keys", CreateKeyAsync).WithName("CreateApiKey")
            .WithSummary("Issue an API key; the key is in this answer only (administrator only)");
        admin.MapGet("/{id}/keys", ListKeysAsync).WithName("ListApiKeys").WithSummary("List a tenant's keys, without secrets (administrator only)");
        admin.MapDelete("/{id}/keys/{keyId:guid}", RevokeKeyAsync).WithName("RevokeApiKey")
            .WithSummary("Revoke an API key and every token issued for it, on every replica within a second (administrator only)");
        return app;
    }

    public static async Task<Results<Created<TenantResponse>, ValidationProblem, ProblemHttpResult>> CreateTenantAsync(
        CreateTenantRequest request, JobsDbContext db, CredentialDirectory directory, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!TenantRules.IsValidId(request.Id))
        {
            errors["id"] = [$"id is required: {TenantRules.MinIdLength} to {TenantRules.MaxIdLength} lowercase letters, digits and hyphens, starting with a letter, for example 'team-a'."];
        }
        if (request.Name is { Length: > TenantRules.MaxNameLength })
        {
            errors["name"] = [$"name is at most {TenantRules.MaxNameLength} characters."];
        }
        else if (StoredText.HasNul(request.Name))
        {
            errors["name"] = [StoredText.NulError("name")];
        }
        CheckLimit(errors, "rateLimitPerMinute", request.RateLimitPerMinute);
        CheckLimit(errors, "rateLimitBurst", request.RateLimitBurst);
        CheckLimit(errors, "maxRunningTasks", request.MaxRunningTasks);
        CheckLimit(errors, "maxEventStreams", request.MaxEventStreams);
        CheckLimit(errors, "maxUnfinishedTasks", request.MaxUnfinishedTasks);
        CheckLimit(errors, "maxSchedules", request.MaxSchedules);
        if (request.JobRetentionDays is < 1 or > TenancyOptions.MaxRetentionDays)
        {
            errors["jobRetentionDays"] = [$"jobRetentionDays must be from 1 to {TenancyOptions.MaxRetentionDays:N0}, or left out for the default."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The tenant is not valid.");
        }

        // Looked up first, so the usual case (the AppHost creating its development tenant on every
        // start) is answered without a failed INSERT in the logs; the unique key still settles a race.
        if (await db.Tenants.AnyAsync(t => t.Id == request.Id, ct))
        {
            return TenantExists(request.Id!);
        }

        var tenant = new Tenant
        {
            Id = request.Id!,
            Name = string.IsNullOrWhiteSpace(request.Name) ? request.Id! : request.Name.Trim(),
            RateLimitPerMinute = request.RateLimitPerMinute,
            RateLimitBurst = request.RateLimitBurst,
            MaxRunningTasks = request.MaxRunningTasks,
            MaxEventStreams = request.MaxEventStreams,
            MaxUnfinishedTasks = request.MaxUnfinishedTasks,
            JobRetentionDays = request.JobRetentionDays,
            MaxSchedules = request.MaxSchedules,
            CreatedAt = clock.GetUtcNow(),
        };
        db.Tenants.Add(tenant);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return TenantExists(tenant.Id);
        }
        return TypedResults.Created($"/api/v1/tenants/{tenant.Id}", ToResponse(tenant, directory));
    }

    private static ProblemHttpResult TenantExists(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The tenant exists.",
            detail: $"A tenant with id '{id}' exists already.");

    public static async Task<Ok<List<TenantResponse>>> ListTenantsAsync(JobsDbContext db, CredentialDirectory directory, CancellationToken ct)
    {
        var tenants = await db.Tenants.AsNoTracking().OrderBy(t => t.Id).ToListAsync(ct);
        return TypedResults.Ok(tenants.Select(t => ToResponse(t, directory)).ToList());
    }

    public static async Task<Results<Ok<TenantResponse>, ProblemHttpResult>> GetTenantAsync(
        string id, JobsDbContext db, CredentialDirectory directory, CancellationToken ct) =>
        await db.Tenants.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, ct) is { } tenant
            ? TypedResults.Ok(ToResponse(tenant, directory))
            : TenantNotFound(id);

    public static async Task<Results<Created<ApiKeyCreatedResponse>, ValidationProblem, ProblemHttpResult>> CreateKeyAsync(
        string id, CreateApiKeyRequest? request, JobsDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (request?.Name is { Length: > TenantRules.MaxNameLength })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = [$"name is at most {TenantRules.MaxNameLength} characters."] });
        }
        if (StoredText.HasNul(request?.Name))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = [StoredText.NulError("name")] });
        }
        if (!await db.Tenants.AnyAsync(t => t.Id == id, ct))
        {
            return TenantNotFound(id);
        }
        var secret = ApiKeys.Generate();
        var key = new ApiKey
        {
            Id = Guid.CreateVersion7(),
            TenantId = id,
            Name = string.IsNullOrWhiteSpace(request?.Name) ? "key" : request.Name.Trim(),
            Prefix = ApiKeys.PrefixOf(secret),
            Hash = ApiKeys.Hash(secret),
            CreatedAt = clock.GetUtcNow(),
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/tenants/{id}/keys/{key.Id}",
            new ApiKeyCreatedResponse(key.Id, key.TenantId, key.Name, key.Prefix, secret, key.CreatedAt));
    }

    public static async Task<Results<Ok<List<ApiKeyResponse>>, ProblemHttpResult>> ListKeysAsync(string id, JobsDbContext db, CancellationToken ct)
    {
        if (!await db.Tenants.AnyAsync(t => t.Id == id, ct))
        {
            return TenantNotFound(id);
        }
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.TenantId == id).OrderBy(k => k.CreatedAt)
            .Select(k => new ApiKeyResponse(k.Id, k.TenantId, k.Name, k.Prefix, k.CreatedAt, k.RevokedAt))
            .ToListAsync(ct);
        return TypedResults.Ok(keys);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeKeyAsync(
        string id, Guid keyId, JobsDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        // Revoking twice is harmless: the first revocation time is kept.
        var found = await db.ApiKeys.Where(k => k.Id == keyId && k.TenantId == id)
            .ExecuteUpdateAsync(k => k.SetProperty(x => x.RevokedAt, x => x.RevokedAt ?? now), ct);
        return found == 0
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Key not found.", detail: $"Tenant '{id}' has no key {keyId}.")
            : TypedResults.NoContent();
    }

    public static async Task<Ok<TenantUsageResponse>> GetUsageAsync(
        JobsDbContext db, CurrentTenant current, CredentialDirectory directory, CancellationToken ct)
    {
        var tenant = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == current.RequiredId, ct);
        var (running, queued, unfinishedJobs) = await CountUsageAsync(db, ct);
        return TypedResults.Ok(new TenantUsageResponse(tenant.Id, tenant.Name, Limits(tenant, directory), running, queued, unfinishedJobs, running + queued));
    }

    /// <summary>
    /// The caller's running and queued tasks and unfinished jobs (the context's tenant filter applies).
    /// Its statements use indexes whatever other tenants store (QueryPlanTests).
    /// </summary>
    public static async Task<(long RunningTasks, long QueuedTasks, long UnfinishedJobs)> CountUsageAsync(JobsDbContext db, CancellationToken ct)
    {
        var running = await db.Tasks.LongCountAsync(t => t.Status == JobTaskStatus.Running, ct);
        var queued = await db.Tasks.LongCountAsync(t => t.Status == JobTaskStatus.Pending || t.Status == JobTaskStatus.Enqueued || t.Status == JobTaskStatus.Retrying, ct);
        var unfinishedJobs = await db.Jobs.LongCountAsync(j => !JobStatus.Final.Contains(j.Status), ct);
        return (running, queued, unfinishedJobs);
    }

    private static void CheckLimit(Dictionary<string, string[]> errors, string name, int? value)
    {
        if (value is <= 0 or > TenancyOptions.MaxLimit)
        {
            errors[name] = [$"{name} must be from 1 to {TenancyOptions.MaxLimit:N0}, or left out for the default."];
        }
    }

    private static TenantLimits Limits(Tenant tenant, CredentialDirectory directory) =>
        directory.LimitsOf(tenant.RateLimitPerMinute, tenant.RateLimitBurst, tenant.MaxRunningTasks, tenant.MaxEventStreams, tenant.MaxUnfinishedTasks, tenant.JobRetentionDays, tenant.MaxSchedules);

    private static TenantResponse ToResponse(Tenant tenant, CredentialDirectory directory) =>
        new(tenant.Id, tenant.Name, Limits(tenant, directory), tenant.CreatedAt);

    private static ProblemHttpResult TenantNotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Tenant not found.", detail: $"There is no tenant '{id}'.");
}
