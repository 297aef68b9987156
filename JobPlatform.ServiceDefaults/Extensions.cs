using System.Globalization;
using JobPlatform.TaskQueues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every JobPlatform service shares, in the shape of an Aspire ServiceDefaults project:
/// OpenTelemetry, health checks, service discovery and resilient HTTP clients.
/// </summary>
public static class Extensions
{
    /// <summary>Readiness: the service and the dependencies it needs are reachable.</summary>
    public const string HealthEndpointPath = "/health";

    /// <summary>Liveness: the process is up and answering.</summary>
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>Prometheus scrape endpoint, on the Api and on every worker.</summary>
    public const string MetricsEndpointPath = "/metrics";

    /// <summary>Every JobPlatform meter starts with this name.</summary>
    public const string MeterPrefix = "JobPlatform";

    private const string LiveTag = "live";

    private const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    private const string OtlpTimeoutVariable = "OTEL_EXPORTER_OTLP_TIMEOUT";

    /// <summary>How long one OTLP export may take when <c>OTEL_EXPORTER_OTLP_TIMEOUT</c> leaves it unsaid.</summary>
    private static readonly TimeSpan DefaultOtlpExportTimeout = TimeSpan.FromSeconds(1);

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName)
            .Validate(o => o.TraceSampleRatio is null or (>= 0 and <= 1), "Telemetry:TraceSampleRatio must be from 0 to 1.")
            .ValidateOnStart();
        var telemetry = builder.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var sampleRatio = Math.Clamp(telemetry.TraceSampleRatio ?? (IsExporting(builder) ? 1 : 0), 0, 1);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            // Scopes carry TaskId and JobId: a task's log lines can be found by its id.
            logging.IncludeScopes = true;
        });
        if (!builder.Environment.IsDevelopment())
        {
            // One JSON object per line, with scopes and the trace and span ids, for a log collector.
            builder.Logging.AddJsonConsole(json => json.IncludeScopes = true);
        }

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter($"{MeterPrefix}.*")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .SetSampler(new JobPlatformSampler(sampleRatio))
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TaskTracing.SourceName)
                .AddAspNetCoreInstrumentation(options =>
                    // Probes would drown the traces that matter.
                    options.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                        && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath)
                        && !context.Request.Path.StartsWithSegments(MetricsEndpointPath))
                .AddHttpClientInstrumentation());

        builder.AddOpenTelemetryExporters();

        return builder;
    }

    // OTLP export only when an endpoint is configured, as under an Aspire AppHost.
    private static bool IsExporting(IHostApplicationBuilder builder) =>
        !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointVariable]);

    private static TBuilder AddOpenTelemetryExporters<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (!IsExporting(builder))
        {
            return builder;
        }

        // A stopping service flushes its last traces, logs and metrics, and the exporter gives each
        // export up to OTEL_EXPORTER_OTLP_TIMEOUT (10 s unless set), retrying meanwhile. When the
        // dashboard has already gone, as when an AppHost stops everything at once, each flush waits
        // that out against an endpoint that no longer answers: stopping the application under
        // Aspire's test host took ~13 s, and 3.4 s with 1 s. A dashboard on this machine or a
        // collector beside the pod answers in milliseconds, so 1 s loses nothing while it is up.
        // The variable, when set, still decides.
        if (string.IsNullOrWhiteSpace(builder.Configuration[OtlpTimeoutVariable]))
        {
            builder.Configuration.AddInMemoryCollection(
            [
                new(OtlpTimeoutVariable, DefaultOtlpExportTimeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)),
            ]);
        }
        builder.Services.AddOpenTelemetry().UseOtlpExporter();

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>Maps <c>/health</c> (every check), <c>/alive</c> (liveness checks only) and <c>/metrics</c> (Prometheus).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Mapped in every environment, not only in Development as in Aspire's template: Kubernetes
        // probes these and Prometheus scrapes them. Probes and scrapers come without credentials,
        // wherever the rest of the service needs them.
        app.MapPrometheusScrapingEndpoint(MetricsEndpointPath).AllowAnonymous();
        app.MapHealthChecks(HealthEndpointPath).AllowAnonymous();
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
        }).AllowAnonymous();
        return app;
    }

    /// <summary>
    /// Runs the service until it stops and returns its exit code. Every background loop goes on after
    /// a failure (<see cref="Backoff"/>); a background service that ends with an exception all the
    /// same stops the host, which then exits 0 by itself. Here it exits 1, so that the supervisor (the
    /// AppHost, Kubernetes) sees a failure and restarts the process rather than leave it half dead.
    /// </summary>
    public static async Task<int> RunServiceAsync(this IHost app)
    {
        // RunAsync, but the services are looked at before the host is disposed.
        try
        {
            await app.StartAsync();
            await app.WaitForShutdownAsync();
            var failed = app.Services.GetServices<IHostedService>().OfType<BackgroundService>().Where(s => s.ExecuteTask is { IsFaulted: true }).ToList();
            foreach (var service in failed)
            {
                app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(service.GetType())
                    .LogCritical("{Service} failed (logged above); the process exits 1 so that it is restarted", service.GetType().Name);
            }
            return failed.Count > 0 ? 1 : 0;
        }
        finally
        {
            if (app is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
            else
            {
                app.Dispose();
            }
        }
    }
}
