using JobPlatform.AppHost.Hosting;

namespace JobPlatform.AppHost;

/// <summary>
/// The whole JobPlatform graph, in Aspire's vocabulary. <c>dotnet run --project JobPlatform.AppHost</c>
/// runs it; the test suite starts the same graph in-process.
/// </summary>
public static class JobPlatformGraph
{
    /// <summary>The tenant development, the benchmark and the tests act as.</summary>
    public const string DevTenantId = "dev";

    public static DistributedApplication Build(AppHostOptions options) => Declare(options).Build();

    /// <summary>
    /// The graph's resources, declared but not started: what <see cref="Build"/> runs and what
    /// <c>publish</c> turns into Kubernetes manifests.
    /// </summary>
    public static DistributedApplicationBuilder Declare(AppHostOptions options)
    {
        var builder = DistributedApplicationBuilder.CreateBuilder(options);

        var db = builder.AddPostgres("postgres", options.PostgresPort)
            .AddDatabase("jobsdb");

        // A queue per priority, all sharing one dead-letter queue. Normal (jobplatform-tasks), where
        // most work goes, comes first: KEDA's scaler watches the first queue.
        var sqs = builder.AddSqsEmulator("sqs", options.SqsPort)
            .WithQueue("jobplatform-tasks", deadLetterQueue: "jobplatform-tasks-dlq", maxReceiveCount: 5)
            .WithQueue("jobplatform-tasks-critical", deadLetterQueue: "jobplatform-tasks-dlq", maxReceiveCount: 5)
            .WithQueue("jobplatform-tasks-high", deadLetterQueue: "jobplatform-tasks-dlq", maxReceiveCount: 5)
            .WithQueue("jobplatform-tasks-low", deadLetterQueue: "jobplatform-tasks-dlq", maxReceiveCount: 5);

        // Generated for each run, like Aspire's secret parameters; a cluster takes them from a Secret.
        var adminKey = builder.AddSecret("admin-key", prefix: "jpadmin_");
        var workerKey = builder.AddSecret("worker-key", prefix: "jpworker_");
        var signingKey = builder.AddSecret("token-signing-key");

        var api = builder.AddProject("api", "JobPlatform.Api")
            .WithHttpEndpoint(options.ApiPort)
            .WithReference(db)
            .WithReference(sqs)
            .WithEnvironment("Auth__AdminKey", adminKey)
            .WithEnvironment("Auth__WorkerKey", workerKey)
            .WithEnvironment("Auth__TokenSigningKey", signingKey)
            .WaitFor(db)
            .WaitFor(sqs);

        var devTenant = builder.AddDevTenant("dev-tenant", DevTenantId, api, adminKey);

        var worker = builder.AddProject("worker", "JobPlatform.Worker")
            .WithReplicas(options.Workers)
            .WithReplicaEnvironment("Worker__WorkerId", replica => replica)
            // The worker's own default (WorkerOptions.DrainTimeout), stated so a pod's grace period follows it.
            .WithDrainTimeout("Worker__DrainTimeout", TimeSpan.FromSeconds(10))
            // Development workers run the demo "crash" task; deployed ones keep the safe default.
            .WithDevelopmentEnvironment("Worker__AllowCrashTasks", "true")
            .WithEnvironment("Auth__WorkerKey", workerKey)
            .WithReference(api)
            .WithReference(sqs)
            .WaitFor(api);

        if (options.Prometheus)
        {
            builder.AddPrometheus("prometheus", options.PrometheusPort)
                .WithScrapeInterval(options.PrometheusScrapeInterval)
                .WithScrapeTarget(api)
                .WithScrapeTarget(worker);
        }

        if (options.IncludeWeb)
        {
            builder.AddViteApp("web", "JobPlatform.Web")
                .WithHttpEndpoint(options.WebPort)
                .WithReference(api)
                .WithReference(devTenant)
                .WaitFor(devTenant);
        }

        return builder;
    }
}
