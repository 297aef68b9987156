using JobPlatform.Contracts;
using JobPlatform.Worker.Sdk.Handlers;
using Microsoft.Extensions.Options;

namespace JobPlatform.Worker.Sdk;

/// <summary>
/// Registers the task types this replica runs with the Api (their input schemas, until the Api has
/// them), then tells it this replica is alive every <see cref="WorkerOptions.PresenceInterval"/>, with
/// its types, queues, slots and recent throughput, and says when it stops: the catalogue of task
/// types, the console's Workers page, and the relay, which sends a queue only the types every live
/// worker on it runs. A task already received never depends on it.
/// </summary>
internal sealed class WorkerPresenceReporter(
    JobPlatformApiClient api,
    WorkerActivity activity,
    IEnumerable<TaskHandlerRegistration> handlers,
    WorkerQueues queues,
    RegistrationHealthCheck registration,
    IOptions<WorkerOptions> options,
    ILogger<WorkerPresenceReporter> logger) : BackgroundService
{
    private static readonly TimeSpan StoppingReportTimeout = TimeSpan.FromSeconds(2);

    private readonly IReadOnlyList<TaskHandlerRegistration> _handlers = handlers.OrderBy(h => h.Type, StringComparer.Ordinal).ToList();

    private bool _registered;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PresenceInterval);
        var failing = false;
        do
        {
            try
            {
                if (!_registered)
                {
                    await api.RegisterTaskTypesAsync(options.Value.WorkerId, new RegisterTaskTypesRequest(
                        _handlers.Select(h => new TaskTypeRegistration(h.Type, h.Options.Description, h.InputSchema, h.Options.MaxAttempts, h.Options.Queue, h.Options.RetryBackoff)).ToList()), stoppingToken);
                    _registered = true;
                    registration.Registered();
                    logger.LogInformation("Registered task types {TaskTypes}", string.Join(", ", _handlers.Select(h => h.Type)));
                }
                await api.ReportPresenceAsync(options.Value.WorkerId, Presence(stopping: false), stoppingToken);
                if (failing)
                {
                    logger.LogInformation("Presence reports reach the Api again");
                    failing = false;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                if (!failing)
                {
                    logger.LogWarning("Could not register with or report presence to the Api ({Error}); tasks are unaffected, retrying every {Interval}", ex.Message, options.Value.PresenceInterval);
                    failing = true;
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StoppingReportTimeout);
        try
        {
            await api.ReportPresenceAsync(options.Value.WorkerId, Presence(stopping: true), timeout.Token);
        }
        catch (Exception ex)
        {
            // The Api shows the replica as gone a little later instead.
            logger.LogDebug("Could not report stopping: {Error}", ex.Message);
        }
    }

    private WorkerPresenceRequest Presence(bool stopping) => new(
        Environment.MachineName, Environment.ProcessId, options.Value.MaxConcurrency, activity.StartedAt, activity.FinishedLastMinute(), stopping,
        _handlers.Select(h => h.Type).ToList(), queues.Names);
}
