using JobPlatform.AppHost.Hosting;

namespace JobPlatform.AppHost;

/// <summary>
/// The whole JobPlatform graph, in Aspire's vocabulary. <c>dotnet run --project JobPlatform.AppHost</c>
/// runs it; the test suite starts the same graph in-process.
/// </summary>
public static class JobPlatformGraph
{
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

        var sqs = builder.AddSqsEmulator("sqs", options.SqsPort)
            .WithQueue("jobplatform-tasks", deadLetterQueue: "jobplatform-tasks-dlq", maxReceiveCount: 5);

        var api = builder.AddProject("api", "JobPlatform.Api")
            .WithHttpEndpoint(options.ApiPort)
            .WithReference(db)
            .WithReference(sqs)
            .WaitFor(db)
            .WaitFor(sqs);

        builder.AddProject("worker", "JobPlatform.Worker")
            .WithReplicas(options.Workers)
            .WithReplicaEnvironment("Worker__WorkerId", replica => replica)
            // The worker's own default (WorkerOptions.DrainTimeout), stated so a pod's grace period follows it.
            .WithDrainTimeout("Worker__DrainTimeout", TimeSpan.FromSeconds(10))
            // Development workers run the demo "crash" task; deployed ones keep the safe default.
            .WithDevelopmentEnvironment("Worker__AllowCrashTasks", "true")
            .WithReference(api)
            .WithReference(sqs)
            .WaitFor(api);

        if (options.IncludeWeb)
        {
            builder.AddViteApp("web", "JobPlatform.Web")
                .WithHttpEndpoint(options.WebPort)
                .WithReference(api)
                .WaitFor(api);
        }

        return builder;
    }
}
