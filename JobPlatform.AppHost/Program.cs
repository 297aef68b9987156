using System.CommandLine;
using JobPlatform.AppHost;
using JobPlatform.AppHost.Hosting;
using JobPlatform.AppHost.Publishing;

var workers = new Option<int>("--workers") { Description = "Worker replicas to run.", DefaultValueFactory = _ => 3 };
workers.Validators.Add(result =>
{
    if (result.GetValue(workers) is < 0 or > 64)
    {
        result.AddError("--workers must be from 0 to 64.");
    }
});
var apiPort = PortOption("--api-port", "The Api's port.", 5080);
var webPort = PortOption("--web-port", "The web console's port.", 5173);
var postgresPort = PortOption("--postgres-port", "PostgreSQL's port.", 5432);
var sqsPort = PortOption("--sqs-port", "The SQS emulator's port.", 4566);
var fresh = new Option<bool>("--fresh") { Description = "Wipe the local data (database and queues) before starting." };
var dataDir = new Option<string?>("--data-dir") { Description = "Where local data lives. Defaults to .jobplatform in the repository." };
var noWeb = new Option<bool>("--no-web") { Description = "Do not start the web console." };
var prometheus = new Option<bool>("--prometheus") { Description = "Also start Prometheus (apt-get install prometheus), scraping the Api and every worker replica." };
var prometheusPort = PortOption("--prometheus-port", "Prometheus's port, with --prometheus.", 9090);
var dashboardPort = PortOption("--dashboard-port", "The development dashboard's port.", 18888);
var otlpPort = PortOption("--otlp-port", "The dashboard's OTLP/HTTP receiver's port.", 18890);
var otlpGrpcPort = PortOption("--otlp-grpc-port", "The dashboard's OTLP/gRPC receiver's port.", 18889);
var noDashboard = new Option<bool>("--no-dashboard") { Description = "Do not start the dashboard or its OTLP receiver; the services then export no telemetry." };

var command = new RootCommand("Runs the whole JobPlatform graph for development: PostgreSQL, the SQS emulator, the Api, workers and the web console.")
{
    workers, apiPort, webPort, postgresPort, sqsPort, fresh, dataDir, noWeb, prometheus, prometheusPort, dashboardPort, otlpPort, otlpGrpcPort, noDashboard,
};
command.SetAction(async (parse, ct) =>
{
    await using var app = JobPlatformGraph.Build(new AppHostOptions
    {
        Workers = parse.GetValue(workers),
        ApiPort = parse.GetValue(apiPort),
        WebPort = parse.GetValue(webPort),
        PostgresPort = parse.GetValue(postgresPort),
        SqsPort = parse.GetValue(sqsPort),
        Fresh = parse.GetValue(fresh),
        DataDirectory = parse.GetValue(dataDir),
        IncludeWeb = !parse.GetValue(noWeb),
        Prometheus = parse.GetValue(prometheus),
        PrometheusPort = parse.GetValue(prometheusPort),
        DashboardPort = parse.GetValue(dashboardPort),
        OtlpPort = parse.GetValue(otlpPort),
        OtlpGrpcPort = parse.GetValue(otlpGrpcPort),
        IncludeDashboard = !parse.GetValue(noDashboard),
    });
    return await app.RunAsync(ct);
});
var output = new Option<string>("--output", "-o") { Description = "The folder to write the kustomize tree into.", DefaultValueFactory = _ => Path.Combine("deploy", "k8s") };
var publish = new Command("publish", "Writes Kubernetes manifests (a kustomize tree: base, overlays kind and aws, component keda) from the same graph.")
{
    output,
};
publish.SetAction(parse =>
{
    var directory = Path.GetFullPath(parse.GetValue(output)!);
    var files = KubernetesPublisher.Publish(JobPlatformGraph.Declare(new AppHostOptions()), directory);
    Console.Out.WriteLine($"Wrote {files.Count} files to {directory}. Apply with: kubectl apply -k {Path.Combine(directory, "overlays", "kind")}");
    return 0;
});
command.Subcommands.Add(publish);

return await command.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static Option<int> PortOption(string name, string description, int defaultPort)
{
    var option = new Option<int>(name) { Description = $"{description} Defaults to {defaultPort}; 0 picks a free port.", DefaultValueFactory = _ => defaultPort };
    option.Validators.Add(result =>
    {
        if (result.GetValue(option) is < 0 or > 65535)
        {
            result.AddError($"{name} must be a port number from 0 to 65535.");
        }
    });
    return option;
}
