using Microsoft.Extensions.Options;

namespace JobPlatform.Worker.Sdk;

/// <summary>
/// Tells the Api this replica is alive every <see cref="WorkerOptions.PresenceInterval"/>, with its
/// slots and recent throughput, and says when it stops: the console's Workers page. Presence is
/// information only; task delivery never depends on it.
/// </summary>
internal sealed class WorkerPresenceReporter(
    JobPlatformApiClient api,
    WorkerActivity activity,
    IOptions<WorkerOptions> options,
    ILogger<WorkerPresenceReporter> logger) : BackgroundService
{
    private static readonly TimeSpan StoppingReportTimeout = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PresenceInterval);
        var failing = false;
        do
        {
            try
            {
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
                    logger.LogWarning("Could not report presence to the Api ({Error}); tasks are unaffected, retrying every {Interval}", ex.Message, options.Value.PresenceInterval);
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

    private Contracts.WorkerPresenceRequest Presence(bool stopping) => new(
        Environment.MachineName, Environment.ProcessId, options.Value.MaxConcurrency, activity.StartedAt, activity.FinishedLastMinute(), stopping);
}
