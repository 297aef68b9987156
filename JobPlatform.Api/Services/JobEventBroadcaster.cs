using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Threading.Channels;
using JobPlatform.Api.Apis;
using JobPlatform.Api.Data;
using JobPlatform.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace JobPlatform.Api.Services;

/// <summary>Options for <see cref="JobEventBroadcaster"/>. Bound from <c>JobEvents</c>.</summary>
public sealed class JobEventsOptions
{
    public const string SectionName = "JobEvents";

    /// <summary>
    /// How often changed jobs are sent to subscribers. A job that changes a thousand times in this
    /// window is sent once, with its latest state. Defaults to 500 ms.
    /// </summary>
    public TimeSpan CoalesceInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long an idle stream waits before it sends a <c>ping</c> event, so proxies keep it open. Defaults to 15 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Events one slow subscriber may have waiting; older ones are dropped first. Defaults to 1,000.</summary>
    public int SubscriberBuffer { get; set; } = 1_000;

    /// <summary>The longest wait after losing the PostgreSQL connection. Defaults to 10 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Turns PostgreSQL notifications into Server-Sent Events for the console. Triggers on <c>jobs</c> and
/// <c>tasks</c> NOTIFY <see cref="Channel"/> with the job's id whenever a job or a task's status
/// changes, on whichever Api replica made the change; every replica LISTENs, so a client may stream
/// from any of them. Changes are coalesced per job for <see cref="JobEventsOptions.CoalesceInterval"/>:
/// a job of 10,000 fast tasks costs a subscriber at most two events a second.
/// </summary>
public sealed class JobEventBroadcaster(
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopes,
    IOptions<JobEventsOptions> options,
    ILogger<JobEventBroadcaster> logger) : BackgroundService
{
    /// <summary>The NOTIFY channel the triggers send job ids on.</summary>
    public const string Channel = "jobplatform_events";

    /// <summary>A job's state changed; the data is its <see cref="JobResponse"/>.</summary>
    public const string JobEvent = "job";

    /// <summary>Some of a job's tasks changed status; the data is a <see cref="TasksChangedEvent"/>.</summary>
    public const string TasksEvent = "tasks";

    /// <summary>Changes may have been missed (the Api lost PostgreSQL for a while): refetch everything.</summary>
    public const string ResyncEvent = "resync";

    /// <summary>Nothing happened; sent on idle streams.</summary>
    public const string PingEvent = "ping";

    private ConcurrentDictionary<Guid, byte> _changed = new();
    private readonly ConcurrentDictionary<JobEventSubscription, byte> _subscribers = new();

    /// <summary>Starts a subscription to one tenant's jobs, or to one job when <paramref name="jobId"/> is given.</summary>
    public JobEventSubscription Subscribe(string tenantId, Guid? jobId)
    {
        var subscription = new JobEventSubscription(tenantId, jobId, options.Value.SubscriberBuffer, s => _subscribers.TryRemove(s, out _));
        _subscribers.TryAdd(subscription, 0);
        return subscription;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), PublishAsync(stoppingToken));

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (Guid.TryParse(e.Payload, out var jobId))
                    {
                        _changed.TryAdd(jobId, 0);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                if (failures > 0)
                {
                    // Whatever changed while we were not listening was never announced.
                    logger.LogInformation("Job events resumed after {Failures} failed attempts; subscribers resync", failures);
                    Broadcast(_ => true, new SseItem<string>("{}", ResyncEvent));
                    failures = 0;
                }
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(options.Value.MaxRetryDelay.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(failures, 10))));
                logger.LogWarning("Job events lost PostgreSQL ({Error}); listening again in {Delay}", ex.Message, delay);
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    private async Task PublishAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CoalesceInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (_changed.IsEmpty)
            {
                continue;
            }
            var changed = Interlocked.Exchange(ref _changed, new ConcurrentDictionary<Guid, byte>()).Keys
                .Where(id => _subscribers.Keys.Any(s => s.JobId is null || s.JobId == id))
                .ToList();
            if (changed.Count == 0)
            {
                continue;
            }
            try
            {
                await PublishJobsAsync(changed, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The next change of these jobs sends them again; the console also polls while it waits.
                logger.LogWarning("Job events could not load {Count} changed jobs: {Error}", changed.Count, ex.Message);
            }
        }
    }

    private async Task PublishJobsAsync(List<Guid> jobIds, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        var jobs = await db.Jobs.AsNoTracking().Where(j => jobIds.Contains(j.Id)).ToListAsync(ct);
        var counts = await db.CountTasksAsync(jobs.Select(j => j.Id).ToList(), ct);
        foreach (var job in jobs)
        {
            bool Wants(JobEventSubscription s) => s.TenantId == job.TenantId && (s.JobId is null || s.JobId == job.Id);
            Broadcast(Wants, new SseItem<string>(JsonSerializer.Serialize(job.ToResponse(counts[job.Id]), JsonSerializerOptions.Web), JobEvent));
            Broadcast(Wants, new SseItem<string>(JsonSerializer.Serialize(new TasksChangedEvent(job.Id), JsonSerializerOptions.Web), TasksEvent));
        }
    }

    private void Broadcast(Func<JobEventSubscription, bool> wants, SseItem<string> item)
    {
        foreach (var subscriber in _subscribers.Keys)
        {
            if (wants(subscriber))
            {
                subscriber.Writer.TryWrite(item);
            }
        }
    }
}

/// <summary>One client's stream of job events. Dispose it when the client goes.</summary>
public sealed class JobEventSubscription : IDisposable
{
    private readonly Channel<SseItem<string>> _events;
    private readonly Action<JobEventSubscription> _onDispose;

    internal JobEventSubscription(string tenantId, Guid? jobId, int buffer, Action<JobEventSubscription> onDispose)
    {
        TenantId = tenantId;
        JobId = jobId;
        _onDispose = onDispose;
        // A slow client loses its oldest events first: every job event carries the whole job, so the
        // newest one is all it needs.
        _events = System.Threading.Channels.Channel.CreateBounded<SseItem<string>>(
            new BoundedChannelOptions(buffer) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    }

    public string TenantId { get; }

    public Guid? JobId { get; }

    internal ChannelWriter<SseItem<string>> Writer => _events.Writer;

    /// <summary>The events as they come, with a <c>ping</c> after every <paramref name="keepAlive"/> of silence.</summary>
    public async IAsyncEnumerable<SseItem<string>> ReadAllAsync(TimeSpan keepAlive, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
            idle.CancelAfter(keepAlive);
            var ready = false;
            try
            {
                ready = await _events.Reader.WaitToReadAsync(idle.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            if (!ready)
            {
                yield return new SseItem<string>("{}", JobEventBroadcaster.PingEvent);
                continue;
            }
            while (_events.Reader.TryRead(out var item))
            {
                yield return item;
            }
        }
    }

    public void Dispose() => _onDispose(this);
}
