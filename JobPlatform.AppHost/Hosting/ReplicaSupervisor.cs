using System.Collections.Concurrent;
using Aspire.Hosting.Eventing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JobPlatform.AppHost.Hosting;

/// <summary>Restart the resource's processes when they crash (exit with a non-zero code), as a pod's restart policy does.</summary>
public sealed record RestartOnCrashAnnotation(TimeSpan MaxDelay) : IResourceAnnotation;

public static class RestartOnCrashExtensions
{
    /// <summary>
    /// Starts a crashed replica again through Aspire's start command, after 1 s, doubling up to
    /// <paramref name="maxDelay"/> while it keeps crashing within a minute of its start. A replica
    /// stopped from the dashboard exits with 0 and stays stopped. Defaults to a 30 s cap.
    /// </summary>
    public static IResourceBuilder<T> WithRestartOnCrash<T>(this IResourceBuilder<T> builder, TimeSpan? maxDelay = null) where T : IResource
    {
        if (!builder.ApplicationBuilder.Services.Any(s => s.ImplementationType == typeof(ReplicaSupervisor)))
        {
            builder.ApplicationBuilder.Services.AddHostedService<ReplicaSupervisor>();
        }
        return builder.WithAnnotation(new RestartOnCrashAnnotation(maxDelay ?? TimeSpan.FromSeconds(30)), ResourceAnnotationMutationBehavior.Replace);
    }
}

/// <summary>Watches every resource's state and starts crashed replicas of resources marked <see cref="RestartOnCrashAnnotation"/> again.</summary>
internal sealed class ReplicaSupervisor(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    DistributedApplicationExecutionContext execution,
    ILogger<ReplicaSupervisor> logger) : BackgroundService
{
    private static readonly TimeSpan StableAfter = TimeSpan.FromMinutes(1);

    // Per replica: the exit already handled (by its finish time) and the delay before the next restart.
    private readonly ConcurrentDictionary<string, (DateTime? HandledExit, TimeSpan Delay)> _replicas = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!execution.IsRunMode)
        {
            return;
        }
        await notifications.FollowResourcesAsync("Restarting crashed replicas", logger, (e, ct) =>
        {
            if (!e.Resource.TryGetLastAnnotation<RestartOnCrashAnnotation>(out var policy)
                || !(e.Snapshot.State?.Text == KnownResourceStates.Exited || e.Snapshot.State?.Text == KnownResourceStates.Finished)
                || e.Snapshot.ExitCode is null or 0)
            {
                return Task.CompletedTask;
            }
            var state = _replicas.GetOrAdd(e.ResourceId, _ => (null, TimeSpan.Zero));
            if (state.HandledExit == e.Snapshot.StopTimeStamp)
            {
                return Task.CompletedTask;
            }
            var ranFor = e.Snapshot.StopTimeStamp - e.Snapshot.StartTimeStamp;
            var delay = ranFor > StableAfter || state.Delay == TimeSpan.Zero
                ? TimeSpan.FromSeconds(1)
                : TimeSpan.FromTicks(Math.Min(state.Delay.Ticks * 2, policy.MaxDelay.Ticks));
            _replicas[e.ResourceId] = (e.Snapshot.StopTimeStamp, delay);
            logger.LogWarning("{Replica}: exited with code {ExitCode}; restarting in {Delay} s", e.ResourceId, e.Snapshot.ExitCode, delay.TotalSeconds);
            BackgroundWork.Start($"Restarting {e.ResourceId}", logger, token => RestartAsync(e.ResourceId, delay, token), ct);
            return Task.CompletedTask;
        }, stoppingToken);
    }

    private async Task RestartAsync(string replica, TimeSpan delay, CancellationToken ct)
    {
        await Task.Delay(delay, ct);
        var result = await commands.ExecuteCommandAsync(replica, KnownResourceCommands.StartCommand, ct);
        if (!result.Success)
        {
            logger.LogError("{Replica}: could not be restarted: {Error}", replica, result.Message);
        }
    }
}
