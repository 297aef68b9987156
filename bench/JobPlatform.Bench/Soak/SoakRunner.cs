using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using JobPlatform.AppHost.Testing;
using JobPlatform.Contracts;

namespace JobPlatform.Bench.Soak;

/// <summary>
/// A chaos soak on a running graph: tenants made through the admin Api load it at their rate limits
/// while a <see cref="FaultInjector"/> kills, pauses and restarts its processes one at a time. When the
/// time is up, faults stop, unanswered submissions settle, every job is waited for until final, and
/// the database is audited (<see cref="SoakAudit"/>). The test suite runs the short form on its own
/// graph; the benchmark's <c>soak</c> command on a graph of its own.
/// </summary>
public sealed class SoakRunner(SoakOptions options, TextWriter progress)
{
    public async Task<SoakReport> RunAsync(RunningGraph graph, CancellationToken ct)
    {
        var random = new Random(options.Seed);
        var clock = Stopwatch.StartNew();
        var ledger = new RequestLedger();
        var apiUrl = graph.GetEndpoint("api");
        var jobsdb = graph.GetConnectionString("jobsdb");
        progress.WriteLine($"soak: {options.Duration.TotalMinutes:N1} min, {options.Tenants} tenants at {options.RateLimitPerMinute} requests/min, faults {string.Join(", ", options.Faults.Select(FaultInjector.Describe))}, seed {options.Seed}");

        var clients = new List<HttpClient>();
        var loads = new List<TenantLoad>();
        try
        {
            using (var admin = Client(apiUrl, graph.GetSecret("admin-key"), options.RequestTimeout))
            {
                for (var i = 0; i < options.Tenants; i++)
                {
                    var (tenant, key) = await CreateTenantAsync(admin, ct);
                    var api = Client(apiUrl, key, options.RequestTimeout);
                    var streams = Client(apiUrl, key, Timeout.InfiniteTimeSpan);
                    clients.AddRange([api, streams]);
                    loads.Add(new TenantLoad(tenant, api, streams, options, ledger, clock, new Random(random.Next())));
                }
            }
            var tenants = loads.Select(l => l.TenantId).ToList();

            var loadStarted = clock.Elapsed;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var settle = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var faults = new FaultInjector(graph, options, new Random(random.Next()), clock, progress);
            var faulting = faults.RunAsync(stop.Token);
            var loading = loads.Select(l => l.RunAsync(stop.Token, settle.Token)).ToList();
            try
            {
                await Task.WhenAny(Task.Delay(options.Duration, ct), faulting);
            }
            finally
            {
                await stop.CancelAsync();
            }
            try
            {
                await faulting;
            }
            catch
            {
                // A fault that could not be undone ends the run, once the load has stopped.
                await settle.CancelAsync();
                await Task.WhenAll(loading).ContinueWith(_ => { }, TaskScheduler.Default);
                throw;
            }
            var loadStopped = clock.Elapsed;
            progress.WriteLine($"  {loadStopped:mm\\:ss} load stopped; settling unanswered submissions");
            settle.CancelAfter(options.SettleTimeout);
            await Task.WhenAll(loading);

            progress.WriteLine($"  {clock.Elapsed:mm\\:ss} waiting for every job to be final");
            var drainStarted = clock.Elapsed;
            while (await SoakAudit.UnfinishedJobsAsync(jobsdb, tenants, ct) is var unfinished && unfinished > 0)
            {
                if (clock.Elapsed - drainStarted > options.DrainTimeout)
                {
                    progress.WriteLine($"  {unfinished} jobs still unfinished after {options.DrainTimeout.TotalMinutes:N0} min");
                    break;
                }
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
            var drained = clock.Elapsed;

            var audit = await SoakAudit.TakeAsync(jobsdb, tenants, ct);
            var stored = await SoakAudit.JobIdsAsync(jobsdb, tenants, ct);
            var acknowledged = loads.SelectMany(l => l.Acknowledged.Values).Select(s => s.JobId).ToHashSet();
            return new SoakReport(
                Options: options,
                LoadTime: loadStopped - loadStarted,
                DrainTime: drained - loadStopped,
                Workers: graph.GetResource("worker").Replicas.Count,
                Requests: [.. ledger.Records],
                Faults: faults.Windows,
                Audit: audit,
                AcknowledgedJobs: acknowledged,
                AcknowledgedJobsMissing: acknowledged.Count(id => !stored.Contains(id)),
                UnacknowledgedJobs: stored.Count(id => !acknowledged.Contains(id)),
                UnansweredSubmissions: loads.Sum(l => l.Unanswered),
                Replays: loads.Sum(l => l.Replays),
                IdempotencyViolations: loads.Sum(l => l.IdempotencyViolations),
                StreamsOpened: loads.Sum(l => l.StreamsOpened),
                EventsReceived: loads.Sum(l => l.EventsReceived),
                TurnsSkipped: loads.Sum(l => l.TurnsSkipped));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>
    /// The graph the <c>soak</c> command runs on, as the benchmark's: durable PostgreSQL, the emulator's
    /// queues in memory (so its restart loses every message in it), no telemetry export. One setting
    /// departs from the defaults: the reconciler resends tasks whose message is gone after 1 min, not
    /// 10, so that what an emulator restart lost comes back within the drain.
    /// </summary>
    public static GraphOptions GraphOptions(int workers) => new()
    {
        Workers = workers,
        Testing = false,
        PersistQueues = false,
        DataDirectory = Path.Combine(Path.GetTempPath(), $"jobplatform-soak-{Environment.ProcessId}"),
        ResourceEnvironment = new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["api"] = new Dictionary<string, string> { ["TaskReconciler__LostMessageAfter"] = "00:01:00" },
        },
    };

    private async Task<(string Tenant, string Key)> CreateTenantAsync(HttpClient admin, CancellationToken ct)
    {
        var id = $"soak-{Guid.NewGuid():N}"[..20];
        using var created = await admin.PostAsJsonAsync("/api/v1/tenants",
            new CreateTenantRequest(id, $"Soak {id}", options.RateLimitPerMinute, options.RateLimitBurst, options.MaxRunningTasks, MaxEventStreams: 2), ct);
        if (created.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Creating tenant {id}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(ct)}");
        }
        using var issued = await admin.PostAsJsonAsync($"/api/v1/tenants/{id}/keys", new CreateApiKeyRequest("soak"), ct);
        if (issued.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Issuing a key for {id}: {(int)issued.StatusCode} {await issued.Content.ReadAsStringAsync(ct)}");
        }
        return (id, (await issued.Content.ReadFromJsonAsync<ApiKeyCreatedResponse>(ct))!.Key);
    }

    private static HttpClient Client(Uri api, string credential, TimeSpan timeout) => new(new SocketsHttpHandler
    {
        // A connection the Api stopped answering is not reused for long.
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    })
    {
        BaseAddress = api,
        Timeout = timeout,
        DefaultRequestHeaders = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", credential) },
    };
}
