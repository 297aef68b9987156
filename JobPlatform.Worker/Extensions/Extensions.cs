using JobPlatform.Worker.Handlers;
using JobPlatform.Worker.Pipeline;

namespace JobPlatform.Worker.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.WorkerId), "Worker:WorkerId must not be empty.")
            .Validate(o => o.MaxConcurrency is >= 1 and <= 1_000, "Worker:MaxConcurrency must be between 1 and 1000.")
            .Validate(o => o.Pollers >= 1 && o.Pollers * JobPlatform.Contracts.JobPriority.All.Count <= o.MaxConcurrency,
                "Worker:Pollers must be at least 1, and Worker:Pollers times 4 (one loop per priority queue) at most Worker:MaxConcurrency.")
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
        builder.Services.AddHttpClient<JobPlatformApiClient>(http =>
        {
            http.BaseAddress = new Uri(JobPlatformApiClient.BaseAddress);
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", workerKey);
        });

        builder.Services.AddTaskHandler<NoopHandler>();
        builder.Services.AddTaskHandler<EchoHandler>();
        builder.Services.AddTaskHandler<SleepHandler>();
        builder.Services.AddTaskHandler<CpuHandler>();
        builder.Services.AddTaskHandler<MatrixHandler>();
        builder.Services.AddTaskHandler<FailHandler>();
        builder.Services.AddTaskHandler<CrashHandler>();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WorkerActivity>();
        builder.Services.AddSingleton<WorkerMetrics>();
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
        return builder;
    }

    /// <summary>Adds a handler for one task type.</summary>
    public static IServiceCollection AddTaskHandler<THandler>(this IServiceCollection services) where THandler : class, ITaskHandler =>
        services.AddSingleton<ITaskHandler, THandler>();
}
