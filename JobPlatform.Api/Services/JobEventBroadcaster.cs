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

    /// <summary>
    /// How often the progress of watched unfinished jobs is read again. Task changes send no
    /// notification (the hot path must not take NOTIFY's commit lock), so this is how counts move
    /// on the console. Defaults to 1 s.
    /// </summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Unfinished jobs whose progress an all-jobs stream follows, newest first. Defaults to 50.</summary>
    public int MaxWatchedJobs { get; set; } = 50;

    /// <summary>How long an idle stream waits before it sends a <c>ping</c> event, so proxies keep it open. Defaults to 15 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Events one slow subscriber may have waiting; older ones are dropped first. Defaults to 1,000.</summary>
    public int SubscriberBuffer { get; set; } = 1_000;

    /// <summary>The longest wait after losing the PostgreSQL connection. Defaults to 10 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Turns job changes into Server-Sent Events for the console, on every Api replica. Two sources:
/// triggers on <c>jobs</c> NOTIFY <see cref="Channel"/> with the job's id when a job is created or its
/// status changes, on whichever replica made the change; and every
/// <see cref="JobEventsOptions.ProgressInterval"/> the unfinished jobs someone watches are read again,
/// and sent if their counts moved. Both are coalesced per job for
/// <see cref="JobEventsOptions.CoalesceInterval"/>, and nothing is read while no one listens: a job of
/// 10,000 fast tasks costs a subscriber a couple of events a second and the database nothing extra
/// when no console is open.
/// </summary>
public sealed class JobEventBroadcaster(
    [FromKeyedServices(Extensions.Extensions.ListenerDataSource)] NpgsqlDataSource listeners,
    IServiceScopeFactory scopes,
    IOptions<JobEventsOptions> options,
    ILogger<JobEventBroadcaster> logger) : BackgroundService
{
    /// <summary>The NOTIFY channel the triggers on <c>jobs</c> send job ids on.</summary>
    public const string Channel = "jobplatform_events";

    /// <summary>A job's state changed; the data is its <see cref="JobResponse"/>.</summary>
    public const string JobEvent = "job";

    /// <summary>Some of a job's tasks changed status; the data is a <see cref="TasksChangedEvent"/>. Sent with every job event.</summary>
    public const string TasksEvent = "tasks";

    /// <summary>Changes may have been missed (the Api lost PostgreSQL for a while): refetch everything.</summary>
    public const string ResyncEvent = "resync";

    /// <summary>Nothing happened; sent on idle streams.</summary>
    public const string PingEvent = "ping";

    private readonly ConcurrentDictionary<Guid, byte> _changed = new();
    private readonly ConcurrentDictionary<JobEventSubscription, byte> _subscribers = new();
    private readonly ConcurrentDictionary<Guid, (string Status, TaskCounts Counts)> _lastSent = new();

    /// <summary>Open subscriptions per tenant; a tenant is here only while it has one.</summary>
    private readonly Dictionary<string, int> _openPerTenant = [];

    /// <summary>
    /// Starts a subscription to one tenant's jobs, or to one job when <paramref name="jobId"/> is
    /// given, unless the tenant has <paramref name="maxStreams"/> open on this replica already: then
    /// null. <paramref name="open"/> is how many the tenant has open, this one included.
    /// </summary>
    public JobEventSubscription? TrySubscribe(string tenantId, Guid? jobId, int maxStreams, out int open)
    {
        lock (_openPerTenant)
        {
            open = _openPerTenant.GetValueOrDefault(tenantId);
            if (open >= maxStreams)
            {
                return null;
            }
            _openPerTenant[tenantId] = ++open;
        }
        var subscription = new JobEventSubscription(tenantId, jobId, options.Value.SubscriberBuffer, Unsubscribe);
        _subscribers.TryAdd(subscription, 0);
        return subscription;
    }

    // A subscription's Dispose, once, however its stream ended: the client left, the Api stopped, the
    // credential ran out, or the response failed.
    private void Unsubscribe(JobEventSubscription subscription)
    {
        _subscribers.TryRemove(subscription, out _);
        lock (_openPerTenant)
        {
            if (--_openPerTenant[subscription.TenantId] == 0)
            {
                _openPerTenant.Remove(subscription.TenantId);
            }
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), PublishAsync(stoppingToken));

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(500), options.Value.MaxRetryDelay);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await listeners.OpenConnectionAsync(stoppingToken);
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
                if (backoff.Succeeded() is var failures and > 0)
                {
                    // Whatever changed while we were not listening was never announced.
                    logger.LogInformation("Job events resumed after {Failures} failed attempts; subscribers resync", failures);
                    Broadcast(_ => true, new SseItem<string>("{}", ResyncEvent));
                }
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                var delay = backoff.Failed();
                logger.LogWarning(backoff.Failures == 1 ? ex : null, "Job events lost PostgreSQL ({Error}); listening again in {Delay}", ex.Message, delay);
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    private async Task PublishAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CoalesceInterval);
        var lastProgress = TimeSpan.Zero;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            // Taken one by one, never by swapping the dictionary: a notification handler that read the
            // old one just before a swap would add its job where no one looks again, and a job's last
            // change (its completion) would never reach the console.
            var notified = new HashSet<Guid>();
            foreach (var id in _changed.Keys)
            {
                if (_changed.TryRemove(id, out _))
                {
                    notified.Add(id);
                }
            }
            if (_subscribers.IsEmpty)
            {
                _lastSent.Clear();
                continue;
            }
            var readProgress = clock.Elapsed - lastProgress >= options.Value.ProgressInterval;
            if (notified.Count == 0 && !readProgress)
            {
                continue;
            }
            try
            {
                await PublishJobsAsync(notified, readProgress, stoppingToken);
                if (readProgress)
                {
                    lastProgress = clock.Elapsed;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The next change or progress read sends them; the console also polls while it waits.
                logger.LogWarning("Job events could not read changed jobs: {Error}", ex.Message);
            }
        }
    }

    private async Task PublishJobsAsync(HashSet<Guid> notified, bool readProgress, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        var subscribers = _subscribers.Keys.ToList();
        var ids = notified.Where(id => subscribers.Any(s => s.JobId is null || s.JobId == id)).ToHashSet();
        if (readProgress)
        {
            ids.UnionWith(subscribers.Where(s => s.JobId is not null).Select(s => s.JobId!.Value));
            // Each tenant watching all its jobs gets the progress of its most recent unfinished ones.
            foreach (var tenant in subscribers.Where(s => s.JobId is null).Select(s => s.TenantId).Distinct())
            {
                ids.UnionWith(await WatchedJobs.MostRecentUnfinishedAsync(db, tenant, options.Value.MaxWatchedJobs, ct));
            }
        }
        if (ids.Count == 0)
        {
            return;
        }

        var jobs = await WatchedJobs.ReadAsync(db, ids, ct);
        foreach (var (job, counts) in jobs)
        {
            var response = job.ToResponse(counts);
            // Progress reads send only what moved; a notification always goes out.
            if (!notified.Contains(job.Id) && _lastSent.TryGetValue(job.Id, out var last) && last == (response.Status, response.Counts))
            {
                continue;
            }
            _lastSent[job.Id] = (response.Status, response.Counts);
            bool Wants(JobEventSubscription s) => s.TenantId == job.TenantId && (s.JobId is null || s.JobId == job.Id);
            Broadcast(Wants, new SseItem<string>(JsonSerializer.Serialize(response, JsonSerializerOptions.Web), JobEvent));
            Broadcast(Wants, new SseItem<string>(JsonSerializer.Serialize(new TasksChangedEvent(job.Id), JsonSerializerOptions.Web), TasksEvent));
        }
        // Finished jobs stop being read, so what is remembered of them can go.
        foreach (var (finished, _) in jobs.Where(j => JobStatus.Final.Contains(j.Job.Status)))
        {
            _lastSent.TryRemove(finished.Id, out _);
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
    private int _disposed;

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

    /// <summary>
    /// A <c>ping</c> first, then the events as they come, with a <c>ping</c> after every
    /// <paramref name="keepAlive"/> of silence. Ends, without an error, when <paramref name="ct"/> is
    /// cancelled: the response is then complete, and the client may connect again.
    /// </summary>
    public async IAsyncEnumerable<SseItem<string>> ReadAllAsync(TimeSpan keepAlive, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        // Something at once: the response (and the browser's EventSource) opens now, not at the
        // first change, which may be a while.
        yield return new SseItem<string>("{}", JobEventBroadcaster.PingEvent);
        while (true)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
            idle.CancelAfter(keepAlive);
            var ready = false;
            try
            {
                ready = await _events.Reader.WaitToReadAsync(idle.Token);
            }
            catch (OperationCanceledException)
            {
            }
            if (ct.IsCancellationRequested)
            {
                yield break;
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

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _onDispose(this);
        }
    }
}
