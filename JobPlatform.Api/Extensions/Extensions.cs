using Aspire.Npgsql;
using JobPlatform.Api.Data;
using JobPlatform.Api.Identity;
using JobPlatform.Api.Lifecycle;
using JobPlatform.Api.Services;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace JobPlatform.Api.Extensions;

public static class Extensions
{
    /// <summary>The connection-string name the AppHost's database resource is passed as.</summary>
    public const string DatabaseResourceName = "jobsdb";

    private static bool IsUntraced(PathString path) =>
        path.StartsWithSegments("/api/v1/events")
        || path.StartsWithSegments("/api/v1/workers") && path.Value!.EndsWith("/presence", StringComparison.Ordinal);

    /// <summary>
    /// The key of the data source for connections that LISTEN. They are held for hours and never
    /// pooled, so a LISTEN cannot outlive its owner on a connection someone else is handed.
    /// </summary>
    public const string ListenerDataSource = "listener";

    /// <summary>
    /// The connection string with JobPlatform's defaults where it leaves them unsaid (measured by
    /// the benchmark's CPU and SQL profiles, docs/benchmarks.md):
    /// <list type="bullet">
    /// <item>No JIT: LLVM compiles a statement the planner costs high on every execution, which buys
    /// nothing for short transactions over a few rows.</item>
    /// <item>No reset when a connection goes back to the pool: the reset would close nothing (no
    /// statement here changes a session's state, and listeners have their own unpooled connections)
    /// yet costs the server a statement per use.</item>
    /// </list>
    /// Statements are not prepared here (see <see cref="ProtocolDataSource"/> for those that are):
    /// PostgreSQL's own choice of generic plans picked sequential scans it had costed on nearly
    /// empty tables, and forcing custom plans also re-plans the foreign-key checks it runs for every
    /// row inserted (accepting a 100,000-task job took twice as long).
    /// </summary>
    public static string WithDefaults(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Options is not { } options || !options.Contains("jit", StringComparison.OrdinalIgnoreCase))
        {
            builder.Options = $"{builder.Options} -c jit=off".Trim();
        }
        // The keys the string itself gives (Npgsql's builder lists every key it knows).
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>();
        if (!given.Any(key => key.Replace(" ", "", StringComparison.Ordinal).Equals("NoResetOnClose", StringComparison.OrdinalIgnoreCase)))
        {
            builder.NoResetOnClose = true;
        }
        return builder.ConnectionString;
    }

    /// <summary>
    /// The key of the data source for the worker protocol: claims, reports and heartbeats, a few
    /// statements run hundreds of times a second, each reading or moving rows by their ids. Planning
    /// them took a third of PostgreSQL's time (docs/benchmarks.md), so on these connections each is
    /// prepared once and keeps one generic plan. A generic plan is costed without the parameters'
    /// values, and on a nearly empty table it would scan the table or hash it: these connections
    /// forbid sequential scans and hash and merge joins, so every plan looks rows up by index, which
    /// is the right plan for a few ids at any table size. Statements on them must be written for
    /// that: no <c>@p IS NULL OR ...</c> filters, nothing a lookup by index cannot serve.
    /// </summary>
    public const string ProtocolDataSource = "protocol";

    /// <summary>The session settings of <see cref="ProtocolDataSource"/> connections.</summary>
    private const string ProtocolPlanSettings =
        "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off -c enable_hashjoin=off -c enable_mergejoin=off";

    private static string ForProtocol(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(WithDefaults(connectionString));
        builder.Options = $"{builder.Options} {ProtocolPlanSettings}".Trim();
        builder.MaxAutoPrepare = 32;
        return builder.ConnectionString;
    }

    private static string ForListeners(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    /// <summary>
    /// The database through Aspire's client integrations: the main data source, the keyed
    /// <see cref="ListenerDataSource"/> and <see cref="ProtocolDataSource"/>, all from the one
    /// <c>ConnectionStrings:jobsdb</c>, and <see cref="JobsDbContext"/> on the main data source.
    /// </summary>
    private static void AddJobsDatabase(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(DatabaseResourceName)
            ?? throw new InvalidOperationException(
                $"ConnectionStrings:{DatabaseResourceName} is not set. Start the Api through the AppHost, or set ConnectionStrings__{DatabaseResourceName}.");

        // Npgsql traces and counts every command of the process, whichever data source runs it, so
        // the main data source alone turns its tracing and metrics on; the database's one health
        // check is the DbContext's (below).
        builder.AddNpgsqlDataSource(DatabaseResourceName,
            settings =>
            {
                settings.ConnectionString = WithDefaults(connectionString);
                settings.DisableHealthChecks = true;
            },
            dataSource => dataSource.EnableDynamicJson());
        builder.AddKeyedNpgsqlDataSource(ListenerDataSource,
            settings => settings.Derive(ForListeners(connectionString)));
        builder.AddKeyedNpgsqlDataSource(ProtocolDataSource,
            settings => settings.Derive(ForProtocol(connectionString)),
            dataSource => dataSource.EnableDynamicJson());

        // Registered by hand rather than with AddNpgsqlDbContext, which would pool contexts (this one
        // takes the request's tenant) on a connection string of its own instead of the data source.
        // The options are built once: built per request (the default), they cost every request,
        // worker calls included, a noticeable share of the Api's CPU.
        builder.Services.AddDbContext<JobsDbContext>((services, options) => options
            .UseNpgsql(services.GetRequiredService<NpgsqlDataSource>())
            .UseSnakeCaseNamingConvention(), optionsLifetime: ServiceLifetime.Singleton);
        builder.EnrichNpgsqlDbContext<JobsDbContext>(settings =>
        {
            // No retries: a request that finds the database gone answers 503 with Retry-After at
            // once (DependencyUnavailableHandler), and the background services retry on their own
            // schedule, rather than each holding its caller through EF's backoff.
            settings.DisableRetry = true;
            settings.DisableTracing = true;
            settings.DisableMetrics = true;
        });
    }

    /// <summary>A keyed data source on the same database: its health and telemetry are the main one's.</summary>
    private static void Derive(this NpgsqlSettings settings, string connectionString)
    {
        settings.ConnectionString = connectionString;
        settings.DisableHealthChecks = true;
        settings.DisableTracing = true;
        settings.DisableMetrics = true;
    }

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddJobsDatabase();
        builder.Services.Configure<OpenTelemetry.Instrumentation.AspNetCore.AspNetCoreTraceInstrumentationOptions>(tracing =>
        {
            // A worker's presence every second and an event stream open for minutes say nothing a trace should.
            var previous = tracing.Filter;
            tracing.Filter = context => (previous?.Invoke(context) ?? true) && !IsUntraced(context.Request.Path);
        });

        builder.AddJobPlatformAuth();
        builder.AddSqsClient();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Submission>();
        builder.Services.AddSingleton<Outbox>();
        builder.Services.AddSingleton<DelayedJobs>();
        builder.Services.AddSingleton<Scheduling.ScheduleFiring>();
        builder.Services.AddSingleton<QueueDirectory>();
        builder.Services.AddSingleton(services => new ProtocolDatabase(services.GetRequiredKeyedService<NpgsqlDataSource>(ProtocolDataSource)));
        builder.Services.AddSingleton<WorkerProtocol>();
        builder.Services.AddSingleton<JobCommands>();
        builder.Services.AddSingleton<Reconciliation>();
        builder.Services.AddSingleton<Retention>();
        builder.Services.AddSingleton<DeadLetters>();
        builder.Services.AddSingleton<Catalogue.TaskCatalogue>();
        builder.Services.AddSingleton<SqsTaskQueue>();

        builder.Services.AddOptions<OutboxRelayOptions>().BindConfiguration(OutboxRelayOptions.SectionName)
            .Validate(o => o.BatchSize is > 0 and <= 10_000, "OutboxRelay:BatchSize must be between 1 and 10000.")
            .Validate(o => o.MaxConcurrentSends > 0, "OutboxRelay:MaxConcurrentSends must be at least 1.")
            .Validate(o => o.PollInterval > TimeSpan.Zero, "OutboxRelay:PollInterval must be positive.")
            .ValidateOnStart();
        builder.Services.AddOptions<TaskRetryOptions>().BindConfiguration(TaskRetryOptions.SectionName)
            .Validate(o => o.BaseDelay >= TimeSpan.Zero, "TaskRetry:BaseDelay must not be negative.")
            .Validate(o => o.Factor >= 1, "TaskRetry:Factor must be at least 1.")
            .Validate(o => o.MaxDelay >= o.BaseDelay, "TaskRetry:MaxDelay must be at least TaskRetry:BaseDelay.")
            .Validate(o => o.MaxDelay <= TimeSpan.FromSeconds(Contracts.RetryBackoff.MaxMaxDelaySeconds), "TaskRetry:MaxDelay must be at most 24 h (the longest a job's retryBackoff may ask for).")
            .ValidateOnStart();
        builder.Services.AddOptions<TaskLeaseOptions>().BindConfiguration(TaskLeaseOptions.SectionName)
            .Validate(o => o.Duration >= TimeSpan.FromSeconds(1), "TaskLease:Duration must be at least 1 s.")
            .ValidateOnStart();

        builder.Services.AddOptions<TaskReconcilerOptions>().BindConfiguration(TaskReconcilerOptions.SectionName)
            .Validate(o => o.Interval > TimeSpan.Zero, "TaskReconciler:Interval must be positive.")
            .Validate(o => o.LeaseGrace >= TimeSpan.Zero, "TaskReconciler:LeaseGrace must not be negative.")
            .Validate(o => o.LostMessageAfter > TimeSpan.Zero, "TaskReconciler:LostMessageAfter must be positive.")
            .Validate(o => o.BatchSize > 0, "TaskReconciler:BatchSize must be at least 1.")
            .ValidateOnStart();

        builder.Services.AddOptions<ScheduleFirerOptions>().BindConfiguration(ScheduleFirerOptions.SectionName)
            .Validate(o => o.PollInterval > TimeSpan.Zero, "ScheduleFirer:PollInterval must be a positive duration, such as 00:00:01.")
            .Validate(o => o.BatchSize is > 0 and <= 1000, "ScheduleFirer:BatchSize must be from 1 to 1000.")
            .Validate(o => o.MaxRetryDelay > TimeSpan.Zero, "ScheduleFirer:MaxRetryDelay must be a positive duration.")
            .ValidateOnStart();
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName)
            .Validate(o => o.IdempotencyKeys > TimeSpan.Zero, "Retention:IdempotencyKeys must be positive.")
            .Validate(o => o.DeadLetters > TimeSpan.Zero, "Retention:DeadLetters must be positive.")
            .Validate(o => o.Interval > TimeSpan.Zero, "Retention:Interval must be positive.")
            .Validate(o => o.BatchSize is > 0 and <= 100_000, "Retention:BatchSize must be from 1 to 100000.")
            .Validate(o => o.BatchPause >= TimeSpan.Zero, "Retention:BatchPause must not be negative.")
            .ValidateOnStart();
        builder.Services.AddHostedService<Pruner>();

        builder.Services.AddSingleton<QuotaSignal>();
        builder.Services.AddHostedService<OutboxRelay>();
        builder.Services.AddHostedService<ScheduleFirer>();
        builder.Services.AddHostedService<TaskReconciler>();
        builder.Services.AddHostedService<DeadLetterDrainer>();
        builder.Services.AddSingleton<ApiMetrics>();
        builder.Services.AddHostedService<MetricsSampler>();

        builder.Services.AddOptions<JobEventsOptions>().BindConfiguration(JobEventsOptions.SectionName)
            .Validate(o => o.CoalesceInterval >= TimeSpan.FromMilliseconds(10), "JobEvents:CoalesceInterval must be at least 10 ms.")
            .Validate(o => o.KeepAliveInterval >= TimeSpan.FromSeconds(1), "JobEvents:KeepAliveInterval must be at least 1 s.")
            .Validate(o => o.ProgressInterval >= o.CoalesceInterval, "JobEvents:ProgressInterval must be at least JobEvents:CoalesceInterval.")
            .Validate(o => o.MaxWatchedJobs is > 0 and <= 1_000, "JobEvents:MaxWatchedJobs must be from 1 to 1000.")
            .Validate(o => o.SubscriberBuffer > 0, "JobEvents:SubscriberBuffer must be at least 1.")
            .ValidateOnStart();
        builder.Services.AddSingleton<JobEventBroadcaster>();
        builder.Services.AddHostedService(services => services.GetRequiredService<JobEventBroadcaster>());

        // Enums travel as their names ("integer"), the way the console and the OpenAPI document read them.
        // Numbers are numbers: the document then types them as such, not as "number or string". A
        // field the Api does not know is a 400 naming it (BadRequestHandler), so a misspelt option
        // never silently changes what runs.
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
            json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            json.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
        });

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<Apis.BadRequestHandler>();
        builder.Services.AddExceptionHandler<Apis.DependencyUnavailableHandler>();
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer<BearerSecuritySchemeTransformer>());
        return builder;
    }
}
