using JobPlatform.Contracts;
using JobPlatform.Worker.Sdk.Pipeline;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace JobPlatform.Worker.Sdk;

/// <summary>Registers a JobPlatform worker on a host: <c>builder.AddJobPlatformWorker().AddTaskHandler&lt;THandler&gt;("type")</c>.</summary>
public static class JobPlatformWorkerExtensions
{
    /// <summary>
    /// Makes this host a JobPlatform worker: it receives tasks from the platform's SQS queues, claims
    /// them from the Api, runs each with the handler added for its type, and reports the outcome.
    /// Add handlers on the builder it returns.
    /// <para>
    /// Reads <c>Worker</c> (<see cref="WorkerOptions"/>), <c>Auth:WorkerKey</c> (required: the
    /// workers' credential), <c>ConnectionStrings:sqs</c> or <c>Sqs:ServiceUrl</c> (unset means AWS
    /// SQS) and <c>Sqs:TaskQueueName</c>. The Api is called at <c>http://api</c>: the host resolves it
    /// by service discovery (<c>services__api__http__0</c>), as Aspire's service defaults do, or by DNS.
    /// Adds the health checks <c>sqs</c> and <c>registration</c> (unhealthy until the Api has the
    /// replica's task types). A second call adds nothing more.
    /// </para>
    /// </summary>
    public static JobPlatformWorkerBuilder AddJobPlatformWorker(this IHostApplicationBuilder builder)
    {
        var worker = new JobPlatformWorkerBuilder(builder.Services);
        if (builder.Services.Any(d => d.ServiceType == typeof(TaskRunner)))
        {
            return worker;
        }

        builder.Services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.WorkerId), "Worker:WorkerId must not be empty.")
            .Validate(o => Uri.TryCreate(o.ApiUrl, UriKind.Absolute, out var api) && (api.Scheme == Uri.UriSchemeHttp || api.Scheme == Uri.UriSchemeHttps),
                "Worker:ApiUrl must be the Api's absolute http(s) address, such as http://localhost:5080 (the default, http://api, is resolved by service discovery or DNS).")
            .Validate(o => o.MaxConcurrency is >= 1 and <= 1_000, "Worker:MaxConcurrency must be between 1 and 1000.")
            .Validate(o => o.Pollers >= 1 && o.Pollers * JobPriority.All.Count <= o.MaxConcurrency,
                "Worker:Pollers must be at least 1, and Worker:Pollers times 4 (one loop per priority queue) at most Worker:MaxConcurrency.")
            .Validate(o => o.Queues.All(Contracts.QueueNames.IsValid), $"Worker:Queues must hold queue names. {Contracts.QueueNames.Rule}")
            .Validate(o => o.EmptyQueueRecheck >= TimeSpan.Zero, "Worker:EmptyQueueRecheck must not be negative.")
            .Validate(o => o.ReceiveLinger >= TimeSpan.Zero && o.ReceiveLinger <= TimeSpan.FromSeconds(1), "Worker:ReceiveLinger must be between 0 and 1 s.")
            .Validate(o => o.ReceiveWaitTime >= TimeSpan.Zero && o.ReceiveWaitTime <= TimeSpan.FromSeconds(20), "Worker:ReceiveWaitTime must be between 0 and 20 s (the SQS maximum).")
            .Validate(o => o.DrainTimeout >= TimeSpan.Zero, "Worker:DrainTimeout must not be negative.")
            .Validate(o => o.VisibilityTimeout >= TimeSpan.FromSeconds(1) && o.VisibilityTimeout <= TimeSpan.FromHours(12) && o.VisibilityTimeout.Ticks % TimeSpan.TicksPerSecond == 0,
                "Worker:VisibilityTimeout must be whole seconds from 1 s to 12 h (SQS's limits).")
            .Validate(o => o.HeartbeatInterval > TimeSpan.Zero && o.VisibilityTimeout >= o.HeartbeatInterval * 3,
                "Worker:VisibilityTimeout must be at least Worker:HeartbeatInterval x 3.")
            .Validate(o => o.PresenceInterval >= TimeSpan.FromMilliseconds(100), "Worker:PresenceInterval must be at least 100 ms.")
            .ValidateOnStart();
        builder.Services.Configure<HostOptions>(host =>
            host.ShutdownTimeout = builder.Configuration.GetValue($"{WorkerOptions.SectionName}:{nameof(WorkerOptions.DrainTimeout)}", TimeSpan.FromSeconds(10)) + TimeSpan.FromSeconds(5));

        builder.AddSqsClient();
        // The workers' own credential: the only one the Api lets claim, heartbeat and report tasks.
        var workerKey = builder.Configuration[JobPlatformApiClient.WorkerKeySetting];
        if (string.IsNullOrWhiteSpace(workerKey))
        {
            throw new InvalidOperationException(
                $"{JobPlatformApiClient.WorkerKeySetting} is not set. The AppHost passes it as Auth__WorkerKey in development; in a cluster a Secret does.");
        }
        builder.Services.AddHttpClient<JobPlatformApiClient>((services, http) =>
        {
            http.BaseAddress = new Uri(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WorkerOptions>>().Value.ApiUrl);
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", workerKey);
        });

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WorkerActivity>();
        builder.Services.AddSingleton<WorkerMetrics>();
        builder.Services.AddSingleton<WorkerQueues>();
        builder.Services.AddSingleton<RegistrationHealthCheck>();
        builder.Services.AddHealthChecks().AddCheck<RegistrationHealthCheck>("registration");
        // The task pipeline, in the order a message goes through it.
        builder.Services.AddSingleton<TaskSlots>();
        builder.Services.AddSingleton<ClaimBackoff>();
        builder.Services.AddSingleton<TaskClaimer>();
        builder.Services.AddSingleton<TaskRunner>();
        builder.Services.AddSingleton<TaskReporter>();
        builder.Services.AddSingleton<MessageDeleter>();
        // Hosted services stop in reverse order: the receiver drains first, then presence says "stopping".
        builder.Services.AddHostedService<WorkerPresenceReporter>();
        builder.Services.AddHostedService<MessageReceiver>();
        return worker;
    }
}
