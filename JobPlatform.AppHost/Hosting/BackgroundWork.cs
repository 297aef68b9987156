using Microsoft.Extensions.Logging;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// The AppHost's background work, run so that no exception escapes it: an error is logged and the
/// work goes on (a watch) or ends alone (a one-off), and the AppHost keeps running either way.
/// Cancellation of the token ends the work quietly.
/// </summary>
internal static class BackgroundWork
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    /// <summary>Starts <paramref name="work"/> without waiting for it; its failure is logged as "<paramref name="what"/> failed".</summary>
    public static void Start(string what, ILogger log, Func<CancellationToken, Task> work, CancellationToken ct) =>
        _ = RunAsync(what, log, work, ct);

    private static async Task RunAsync(string what, ILogger log, Func<CancellationToken, Task> work, CancellationToken ct)
    {
        try
        {
            await Task.Run(() => work(ct), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            log.LogError(ex, "{Work} failed", what);
        }
    }

    /// <summary>
    /// Calls <paramref name="onUpdate"/> for every resource update until <paramref name="ct"/> is
    /// cancelled. An update that fails is logged and skipped; a watch that fails is logged and
    /// started again (1 s, doubling to 30 s), and Aspire then replays every resource's current state,
    /// so <paramref name="onUpdate"/> must take a state it has seen before calmly.
    /// </summary>
    public static async Task FollowResourcesAsync(this ResourceNotificationService notifications, string what, ILogger log,
        Func<ResourceEvent, CancellationToken, Task> onUpdate, CancellationToken ct)
    {
        var retry = FirstRetry;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var update in notifications.WatchAsync(ct))
                {
                    try
                    {
                        await onUpdate(update, ct);
                        retry = FirstRetry;
                    }
                    catch (Exception ex) when (!ct.IsCancellationRequested)
                    {
                        log.LogError(ex, "{Work}: could not handle an update of {Resource}", what, update.ResourceId);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                log.LogError(ex, "{Work}: watching resources failed; watching again in {Delay} s", what, retry.TotalSeconds);
                try
                {
                    await Task.Delay(retry, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetry.Ticks));
            }
        }
    }
}
