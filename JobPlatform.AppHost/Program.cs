using JobPlatform.AppHost;
using JobPlatform.AppHost.Hosting;
using JobPlatform.AppHost.Publishing;
using JobPlatform.Contracts;

// The whole JobPlatform graph for development: `dotnet run --project JobPlatform.AppHost` runs it under
// Aspire's orchestrator, with its dashboard; the tests start the same graph with Aspire.Hosting.Testing;
// `-- publish` writes it as Kubernetes manifests.
IDistributedApplicationBuilder builder;
AppHostSettings settings;
try
{
    var arguments = AppHostSettings.NormalizeArguments(args);
    builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
    {
        Args = arguments,
        // Every resource's output in this terminal too, each line under its resource's name.
        EnableResourceLogging = arguments.Contains("--consolelogs=true", StringComparer.OrdinalIgnoreCase),
    });
    settings = AppHostSettings.From(builder.Configuration);
}
catch (AppHostSettingsException ex)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    return 2;
}
var repository = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
var data = Path.GetFullPath(settings.DataDir ?? Path.Combine(repository, ".jobplatform"));

var db = builder.AddPostgresServer("postgres", Path.Combine(data, "postgres"), AppHostSettings.FixedPort(settings.PostgresPort),
        settings.Fresh, settings.Testing, settings.PostgresSettings)
    .AddDatabase("jobsdb");

// A queue per priority, all sharing one dead-letter queue. Normal (jobplatform-tasks), where most
// work goes, comes first: KEDA's scaler watches the first queue.
var sqs = builder.AddSqsEmulator("sqs", Path.Combine(builder.AppHostDirectory, "tools", "fauxqs"), AppHostSettings.FixedPort(settings.SqsPort),
        settings.PersistQueues ?? !settings.Testing ? Path.Combine(data, "sqs") : null, settings.Fresh)
    .WithQueue("jobplatform-tasks", deadLetterQueue: "jobplatform-tasks-dlq", maxReceiveCount: 5)
    .WithQueue("jobplatform-tasks-critical", deadLetterQueue: "jobplatform-tasks-dlq", maxReceiveCount: 5)
    .WithQueue("jobplatform-tasks-high", deadLetterQueue: "jobplatform-tasks-dlq", maxReceiveCount: 5)
    .WithQueue("jobplatform-tasks-low", deadLetterQueue: "jobplatform-tasks-dlq", maxReceiveCount: 5);

// Generated once and kept in the AppHost's user secrets; a cluster takes them from a Secret.
var adminKey = builder.AddGeneratedSecret("admin-key", Path.Combine(data, "secrets", "admin-key"));
var workerKey = builder.AddGeneratedSecret("worker-key", Path.Combine(data, "secrets", "worker-key"));
var signingKey = builder.AddGeneratedSecret("token-signing-key", Path.Combine(data, "secrets", "token-signing-key"));

var apiPort = AppHostSettings.FixedPort(settings.ApiPort);
var api = builder.AddProject<Projects.JobPlatform_Api>("api", launchProfileName: null)
    // Not behind DCP's proxy either: every claim, report and heartbeat of every worker would pass
    // through it (docs/benchmarks.md measures the difference).
    .WithHttpEndpoint(port: apiPort, targetPort: apiPort, isProxied: false)
    .WithHttpHealthCheck("/health")
    .WithReference(db)
    .WithReference(sqs)
    .WithEnvironment("Auth__AdminKey", adminKey)
    .WithEnvironment("Auth__WorkerKey", workerKey)
    .WithEnvironment("Auth__TokenSigningKey", signingKey)
    .WithDevelopmentLogging()
    // The kind overlay runs the published development secrets, which the Api refuses outside Development.
    .WithDevelopmentClusterEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
    .WithContainerSpec(JobPlatformGraph.ProjectContainer("api"))
    .WaitFor(db)
    .WaitFor(sqs);

var devTenant = builder.AddDevTenant("dev-tenant", JobPlatformGraph.DevTenantId, api, adminKey, Path.Combine(data, "dev-tenant.key"));

var worker = builder.AddProject<Projects.JobPlatform_Worker>("worker", launchProfileName: null)
    .WithReplicas(settings.Workers)
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health")
    .WithReplicaNameEnvironment("Worker__WorkerId")
    // The worker's own default (WorkerOptions.DrainTimeout), stated so a pod's grace period follows it.
    .WithDrainTimeout("Worker__DrainTimeout", TimeSpan.FromSeconds(10))
    // Development workers run the demo "crash" task; deployed ones keep the safe default.
    .WithDevelopmentEnvironment("Worker__AllowCrashTasks", "true")
    .WithEnvironment("Auth__WorkerKey", workerKey)
    .WithReference(api)
    .WithReference(sqs)
    .WithDevelopmentLogging()
    .WithRestartOnCrash()
    .WithContainerSpec(JobPlatformGraph.ProjectContainer("worker"))
    .WithTaskQueues(QueueNames.Default)
    .WaitFor(api);

// A second pool: the sample word-count worker (samples/WordCount, on the SDK alone). It serves the
// "text" queue and runs only its own types; the demo workers never receive them, nor it theirs.
var wordCount = builder.AddProject<Projects.WordCount>("wordcount", launchProfileName: null)
    .WithReplicas(settings.SampleWorkers)
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health")
    .WithReplicaNameEnvironment("Worker__WorkerId")
    .WithDrainTimeout("Worker__DrainTimeout", TimeSpan.FromSeconds(10))
    .WithEnvironment("Auth__WorkerKey", workerKey)
    .WithReference(api)
    .WithReference(sqs)
    .WithDevelopmentLogging()
    .WithRestartOnCrash()
    .WithContainerSpec(JobPlatformGraph.ProjectContainer("wordcount"))
    .WithTaskQueues("text")
    .WaitFor(api);

if (settings.Prometheus)
{
    builder.AddPrometheus("prometheus", Path.Combine(data, "prometheus"), AppHostSettings.Port(settings.PrometheusPort))
        .WithScrapeInterval(settings.ScrapeInterval)
        .WithScrapeTarget(api)
        .WithScrapeTarget(worker);
}

if (settings.Web)
{
    builder.AddViteApp("web", Path.Combine(repository, "JobPlatform.Web"), AppHostSettings.Port(settings.WebPort))
        .WithReference(api)
        .WithReference(devTenant)
        .WaitFor(api);
}

if (PublishCommand.TryParse(args, repository, out var output))
{
    var files = await KubernetesPublisher.PublishAsync(builder, output);
    Console.Out.WriteLine($"Wrote {files.Count} files to {output}. Apply with: kubectl apply -k {Path.Combine(output, "overlays", "kind")}");
    return 0;
}

if (!settings.Testing)
{
    try
    {
        settings.EnsurePortsFree();
    }
    catch (AppHostSettingsException ex)
    {
        await Console.Error.WriteLineAsync($"error: {ex.Message}");
        return 2;
    }
}

await builder.Build().RunAsync();
return 0;
