using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using JobPlatform.Contracts;

namespace JobPlatform.Bench.Soak;

/// <summary>
/// One tenant's side of the soak: at its rate limit, it submits jobs of every demo type (each
/// with an Idempotency-Key, resent until the Api answers, as a careful client does), sends
/// acknowledged submissions again and checks they return the same job, reads lists and details, and
/// opens and closes event streams. Every request goes into the <see cref="RequestLedger"/>.
/// </summary>
public sealed class TenantLoad(string tenantId, HttpClient api, HttpClient streams, SoakOptions options, RequestLedger ledger, Stopwatch clock, Random random)
{
    private readonly ConcurrentDictionary<string, Submission> _acknowledged = new();
    private readonly ConcurrentDictionary<string, byte> _unanswered = new();
    // Submissions resending their key, and open streams: neither holds a turn's place.
    private readonly List<Task> _background = [];
    private readonly SemaphoreSlim _inFlight = new(options.MaxInFlightPerTenant);
    private int _streamOpen;

    public string TenantId { get; } = tenantId;

    /// <summary>Submissions the Api answered with a job, by Idempotency-Key.</summary>
    public IReadOnlyDictionary<string, Submission> Acknowledged => _acknowledged;

    /// <summary>Keys sent whose job the Api never named (still unanswered when the settle timeout ran out).</summary>
    public int Unanswered => _unanswered.Count;

    private int _idempotencyViolations;
    private int _replays;
    private int _streamsOpened;
    private long _eventsReceived;
    private int _turnsSkipped;

    /// <summary>Replays of an acknowledged key that named another job, or were refused as another body: must stay 0.</summary>
    public int IdempotencyViolations => Volatile.Read(ref _idempotencyViolations);

    /// <summary>Replays of an acknowledged key that returned its job.</summary>
    public int Replays => Volatile.Read(ref _replays);

    public int StreamsOpened => Volatile.Read(ref _streamsOpened);

    public long EventsReceived => Interlocked.Read(ref _eventsReceived);

    /// <summary>Turns not taken because <see cref="SoakOptions.MaxInFlightPerTenant"/> requests were in flight.</summary>
    public int TurnsSkipped => Volatile.Read(ref _turnsSkipped);

    /// <summary>
    /// Sends until <paramref name="stop"/>; submissions then unanswered go on resending their key
    /// until <paramref name="settle"/>. Returns once every request has ended.
    /// </summary>
    public async Task RunAsync(CancellationToken stop, CancellationToken settle)
    {
        var interval = TimeSpan.FromMinutes(1) / options.RateLimitPerMinute;
        var started = clock.Elapsed;
        var running = new List<Task>();
        for (long turn = 0; !stop.IsCancellationRequested; turn++)
        {
            var wait = started + interval * turn - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
            }
            // Open loop: each turn leaves at its time whether or not earlier ones were answered, up
            // to a bound, so a stalled Api does not pile up requests without end.
            if (!_inFlight.Wait(0))
            {
                _turnsSkipped++;
                continue;
            }
            running.Add(TurnAsync(stop, settle));
            running.RemoveAll(t => t.IsCompleted);
        }
        await Task.WhenAll(running);
        Task[] background;
        lock (_background)
        {
            background = [.. _background];
        }
        await Task.WhenAll(background);
    }

    private async Task TurnAsync(CancellationToken stop, CancellationToken settle)
    {
        try
        {
            var roll = NextDouble();
            var known = _acknowledged.Values.ToArray();
            var job = known.Length > 0 ? known[Next(known.Length)] : null;
            switch (roll)
            {
                case < 0.30:
                    var submission = SubmitAsync(settle);
                    lock (_background)
                    {
                        _background.Add(submission);
                    }
                    break;
                case < 0.38 when job is not null:
                    await ReplayAsync(job, stop);
                    break;
                case < 0.63 when job is not null:
                    await GetAsync(SoakRoutes.GetJob, $"/api/v1/jobs/{job.JobId}", stop);
                    break;
                case < 0.73 when job is not null:
                    await GetAsync(SoakRoutes.ListJobTasks, $"/api/v1/jobs/{job.JobId}/tasks?pageSize=20", stop);
                    break;
                case < 0.85:
                    await GetAsync(SoakRoutes.ListJobs, $"/api/v1/jobs?page={1 + Next(3)}&pageSize=20", stop);
                    break;
                case < 0.90:
                    await GetAsync(SoakRoutes.ListTasks, "/api/v1/tasks?status=failed&status=dead_lettered&pageSize=20", stop);
                    break;
                case < 0.95:
                    await GetAsync(SoakRoutes.Usage, "/api/v1/tenants/me", stop);
                    break;
                default:
                    if (Interlocked.CompareExchange(ref _streamOpen, 1, 0) == 0)
                    {
                        var stream = StreamAsync(stop).ContinueWith(_ => Volatile.Write(ref _streamOpen, 0), TaskScheduler.Default);
                        lock (_background)
                        {
                            _background.Add(stream);
                        }
                    }
                    break;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over; a request cut short by it is not counted.
        }
        finally
        {
            _inFlight.Release();
        }
    }

    /// <summary>Submits a new job and resends its key until the Api names its job, or <paramref name="settle"/> ends.</summary>
    private async Task SubmitAsync(CancellationToken settle)
    {
        var key = Guid.NewGuid().ToString("N");
        var body = NewJob().ToJsonString();
        _unanswered[key] = 0;
        var backoff = TimeSpan.FromSeconds(1);
        while (!settle.IsCancellationRequested)
        {
            var (record, response) = await SendAsync(SoakRoutes.Submit, () => Post(key, body), settle);
            if (record is null)
            {
                return;
            }
            if (record.Status == (int)HttpStatusCode.Created)
            {
                var id = JsonSerializer.Deserialize<JobResponse>(response!, JsonSerializerOptions.Web)!.Id;
                _acknowledged[key] = new Submission(key, body, id);
                _unanswered.TryRemove(key, out _);
                return;
            }
            if (record.Status is (int)HttpStatusCode.BadRequest or (int)HttpStatusCode.UnprocessableEntity)
            {
                throw new InvalidOperationException($"The soak sent a job the Api refuses ({record.Status}): {body}\n{response}");
            }
            // No answer, 5xx, 409 (an earlier send still in progress) or 429: the same key again,
            // so that however many sends reached the Api, one job is made.
            try
            {
                await Task.Delay(backoff, settle);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    private async Task ReplayAsync(Submission job, CancellationToken ct)
    {
        var (record, response) = await SendAsync(SoakRoutes.Replay, () => Post(job.Key, job.Body), ct);
        if (record?.Status == (int)HttpStatusCode.Created)
        {
            if (JsonSerializer.Deserialize<JobResponse>(response!, JsonSerializerOptions.Web)!.Id == job.JobId)
            {
                Interlocked.Increment(ref _replays);
            }
            else
            {
                Interlocked.Increment(ref _idempotencyViolations);
            }
        }
        else if (record?.Status == (int)HttpStatusCode.UnprocessableEntity)
        {
            Interlocked.Increment(ref _idempotencyViolations);
        }
    }

    private Task GetAsync(string route, string path, CancellationToken ct) =>
        SendAsync(route, () => new HttpRequestMessage(HttpMethod.Get, path), ct);

    /// <summary>Opens an event stream, reads it for a few seconds, and closes it, as a console tab does.</summary>
    private async Task StreamAsync(CancellationToken stop)
    {
        using var open = CancellationTokenSource.CreateLinkedTokenSource(stop);
        open.CancelAfter(options.RequestTimeout);
        var start = clock.Elapsed;
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/events");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            response = await streams.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, open.Token);
        }
        catch (Exception ex) when (IsTransport(ex) && !stop.IsCancellationRequested)
        {
            ledger.Add(SoakRoutes.Events, start, clock.Elapsed, null, ex.GetType().Name);
            return;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return;
        }
        using (response)
        {
            ledger.Add(SoakRoutes.Events, start, clock.Elapsed, response.StatusCode);
            if (!response.IsSuccessStatusCode)
            {
                return;
            }
            Interlocked.Increment(ref _streamsOpened);
            using var reading = CancellationTokenSource.CreateLinkedTokenSource(stop);
            reading.CancelAfter(TimeSpan.FromSeconds(5 + NextDouble() * 15));
            try
            {
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(reading.Token));
                while (await reader.ReadLineAsync(reading.Token) is { } line)
                {
                    if (line.StartsWith("event:", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref _eventsReceived);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException || IsTransport(ex))
            {
                // Closed by this side, or cut by a fault: a console would reconnect.
            }
        }
    }

    /// <summary>Sends one request and records it; null when <paramref name="ct"/> ended the run first.</summary>
    private async Task<(RequestRecord? Record, string? Body)> SendAsync(string route, Func<HttpRequestMessage> create, CancellationToken ct)
    {
        var start = clock.Elapsed;
        try
        {
            using var request = create();
            using var response = await api.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            return (ledger.Add(route, start, clock.Elapsed, response.StatusCode, (int)response.StatusCode >= 400 ? Trim(body) : null), body);
        }
        catch (Exception ex) when (IsTransport(ex) && !ct.IsCancellationRequested)
        {
            return (ledger.Add(route, start, clock.Elapsed, null, ex.GetType().Name), null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return (null, null);
        }
    }

    // HttpClient's own timeout is a TaskCanceledException whose token is not the caller's.
    private static bool IsTransport(Exception ex) => ex is HttpRequestException or IOException or TaskCanceledException;

    private static HttpRequestMessage Post(string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    /// <summary>A small job of a random demo type (never crash, which takes its worker down on purpose).</summary>
    private JsonObject NewJob()
    {
        var types = new[] { TaskTypes.Noop, TaskTypes.Echo, TaskTypes.Sleep, TaskTypes.Cpu, TaskTypes.Matrix, TaskTypes.Fail };
        var type = types[Next(types.Length)];
        var job = new JsonObject
        {
            ["name"] = $"soak-{type}",
            ["type"] = type,
            ["priority"] = new[] { JobPriority.Normal, JobPriority.Normal, JobPriority.High, JobPriority.Low, JobPriority.Critical }[Next(5)],
        };
        (job["taskCount"], job["parameters"]) = type switch
        {
            TaskTypes.Noop => (1 + Next(20), new JsonObject()),
            TaskTypes.Echo => (1 + Next(10), new JsonObject { ["from"] = TenantId, ["n"] = Next(1_000) }),
            TaskTypes.Sleep => (1 + Next(8), new JsonObject { ["ms"] = 20 + Next(400) }),
            TaskTypes.Cpu => (1 + Next(4), new JsonObject { ["iterations"] = 1_000 + Next(20_000) }),
            TaskTypes.Matrix => (1 + Next(4), new JsonObject { ["size"] = 8 + Next(40), ["seed"] = Next(1_000) }),
            _ => (1 + Next(8), new JsonObject { ["probability"] = 0.3 }),
        };
        if (type == TaskTypes.Fail)
        {
            // Some tasks retry, some fail for good; a job that may fail none ends failed, cancelling the rest.
            job["maxAttempts"] = 1 + Next(3);
            job["failureThreshold"] = Next(2) == 0 ? 0 : (int)job["taskCount"]!;
        }
        return job;
    }

    private static string Trim(string text) => text.Length <= 300 ? text : text[..300];

    private int Next(int max)
    {
        lock (random)
        {
            return random.Next(max);
        }
    }

    private double NextDouble()
    {
        lock (random)
        {
            return random.NextDouble();
        }
    }
}

/// <summary>A submission the Api answered: its key, the body sent with it and the job it named.</summary>
public sealed record Submission(string Key, string Body, Guid JobId);
