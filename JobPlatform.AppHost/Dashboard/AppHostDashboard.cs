using System.Globalization;
using JobPlatform.AppHost.Dashboard.Apis;
using JobPlatform.AppHost.Dashboard.Otlp;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using JobPlatform.AppHost.Dashboard.Telemetry;
using JobPlatform.AppHost.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;

namespace JobPlatform.AppHost.Dashboard;

/// <summary>
/// The AppHost's own development dashboard, standing in for Aspire's: an OTLP/HTTP receiver on one
/// port that fills a <see cref="TelemetryStore"/>, and on another a token-protected web app (JSON API
/// and pages embedded in this assembly) showing resources, console output, structured logs, traces and
/// metrics. Both listen on 127.0.0.1 only. It starts before any resource and stops after all of them.
/// </summary>
internal sealed class AppHostDashboard(IReadOnlyList<Resource> resources, AppHostContext context) : IAsyncDisposable
{
    /// <summary>The source name of the dashboard's own lines in the AppHost's log.</summary>
    public const string LogSource = "dashboard";

    /// <summary>The largest request the dashboard itself takes (its API has no bodies to speak of). Defaults to 64 KiB.</summary>
    private const long MaxDashboardRequestBytes = 64 * 1024;

    /// <summary>
    /// How often the services export in the development loop, as Aspire sets it: telemetry shows up
    /// within a second or two. Defaults to 1,000 ms.
    /// </summary>
    public const int ExportIntervalMilliseconds = 1_000;

    private readonly ResourceCatalog _catalog = new(resources);
    private WebApplication? _receiver;
    private WebApplication? _grpcReceiver;
    private WebApplication? _dashboard;
    private HealthMonitor? _health;

    public TelemetryStore Store { get; } = new();

    /// <summary>This run's dashboard sign-in token.</summary>
    public string Token { get; } = DashboardAuth.NewToken();

    /// <summary>This run's key for the OTLP receiver.</summary>
    public string OtlpApiKey { get; } = DashboardAuth.NewToken();

    public Uri DashboardUrl { get; private set; } = null!;

    public Uri OtlpEndpoint { get; private set; } = null!;

    /// <summary>The OTLP/gRPC receiver's address (HTTP/2 without TLS), once started.</summary>
    public Uri OtlpGrpcEndpoint { get; private set; } = null!;

    public Uri LoginUrl => new(DashboardUrl, $"{DashboardAuth.LoginPath}?t={Token}");

    /// <summary>What each project replica needs to export to the receiver, by OpenTelemetry's standard variables.</summary>
    public IReadOnlyDictionary<string, string> ExporterEnvironment => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = OtlpEndpoint.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_EXPORTER_OTLP_HEADERS"] = $"{OtlpReceiver.ApiKeyHeader}={OtlpApiKey}",
        ["OTEL_BSP_SCHEDULE_DELAY"] = ExportIntervalMilliseconds.ToString(CultureInfo.InvariantCulture),
        ["OTEL_BLRP_SCHEDULE_DELAY"] = ExportIntervalMilliseconds.ToString(CultureInfo.InvariantCulture),
        ["OTEL_METRIC_EXPORT_INTERVAL"] = ExportIntervalMilliseconds.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Where this run's OTLP key is written, for a service started by hand.</summary>
    public const string OtlpKeyFileName = "otlp-api-key";

    public async Task StartAsync(CancellationToken ct)
    {
        await PrivateFile.WriteAsync(SecretResource.FilePath(context.DataDirectory, OtlpKeyFileName), OtlpApiKey, ct);

        var receiver = EmbeddedWebApp.CreateBuilder("otlp", context.Options.OtlpPort, context.Log, OtlpReceiver.MaxDrainedBytes);
        _receiver = receiver.Build();
        _receiver.MapOtlpReceiver(Store, OtlpApiKey);
        await _receiver.StartAsync(ct);
        OtlpEndpoint = new Uri($"http://localhost:{EmbeddedWebApp.BoundPort(_receiver)}");

        var grpcReceiver = EmbeddedWebApp.CreateBuilder("otlp-grpc", context.Options.OtlpGrpcPort, context.Log, OtlpReceiver.MaxDrainedBytes, HttpProtocols.Http2)
            .AddOtlpGrpcReceiver(Store, OtlpApiKey);
        _grpcReceiver = grpcReceiver.Build();
        _grpcReceiver.MapOtlpGrpcReceiver();
        await _grpcReceiver.StartAsync(ct);
        OtlpGrpcEndpoint = new Uri($"http://localhost:{EmbeddedWebApp.BoundPort(_grpcReceiver)}");

        _health = new HealthMonitor(_catalog);
        var dashboard = EmbeddedWebApp.CreateBuilder(LogSource, context.Options.DashboardPort, context.Log, MaxDashboardRequestBytes);
        dashboard.Services.AddSingleton(_catalog);
        dashboard.Services.AddSingleton(_health);
        dashboard.Services.AddSingleton(context.Log);
        dashboard.Services.AddSingleton(Store);
        dashboard.Services.AddSingleton(TimeProvider.System);
        _dashboard = dashboard.Build();
        MapDashboard(_dashboard, new DashboardAuth(Token));
        await _dashboard.StartAsync(ct);
        DashboardUrl = new Uri($"http://localhost:{EmbeddedWebApp.BoundPort(_dashboard)}");
        _health.Start();
    }

    private static void MapDashboard(WebApplication app, DashboardAuth auth)
    {
        var files = new EmbeddedFileProvider(typeof(AppHostDashboard).Assembly, $"{typeof(AppHostDashboard).Namespace}.wwwroot");
        var loginPage = ReadText(files, "login.html");
        var indexPage = ReadText(files, "index.html");

        app.UseStatusCodePages();
        auth.Protect(app);
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            // Served from the assembly that runs: a rebuilt AppHost serves new files at once.
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache",
        });

        app.MapGet(DashboardAuth.LoginPath, (HttpContext http, string? t) => auth.Login(http, t, loginPage)).WithName("Login")
            .WithSummary("Trades this run's token (t) for the dashboard's cookie, or shows the login page.");
        app.MapResourcesApi();
        app.MapConsoleApi();
        app.MapTelemetryApi();
        app.Map("/api/{**rest}", () => TypedResults.Problem(title: "Not found", detail: "No such dashboard API.", statusCode: StatusCodes.Status404NotFound));
        // Pages are routes of one document (/resources, /console, /traces/{id} ...), which renders them.
        app.MapFallback(() => TypedResults.Content(indexPage, "text/html; charset=utf-8"));
    }

    private static string ReadText(IFileProvider files, string path)
    {
        var file = files.GetFileInfo(path);
        if (!file.Exists)
        {
            throw new InvalidOperationException($"The dashboard's {path} is not embedded in the AppHost assembly.");
        }
        using var reader = new StreamReader(file.CreateReadStream());
        return reader.ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        if (_health is not null)
        {
            await _health.DisposeAsync();
        }
        foreach (var app in new[] { _dashboard, _receiver, _grpcReceiver })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        _dashboard = _receiver = _grpcReceiver = null;
        _health = null;
    }
}
