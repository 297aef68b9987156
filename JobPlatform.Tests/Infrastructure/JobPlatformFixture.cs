using System.Collections.Concurrent;
using JobPlatform.AppHost;
using JobPlatform.AppHost.Hosting;
using Microsoft.Playwright;
using Npgsql;

namespace JobPlatform.Tests.Infrastructure;

/// <summary>
/// The real graph, started the way the AppHost starts it (its own model, in-process, in the manner of
/// Aspire.Hosting.Testing): PostgreSQL, the SQS emulator, the Api, two workers and the console, on free ports
/// with a throwaway data folder. Shared by every test in <see cref="GraphCollection"/>.
/// </summary>
public sealed class JobPlatformFixture : IAsyncLifetime
{
    private const int KeptLogLines = 4_000;

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"jobplatform-tests-{Guid.NewGuid():N}");
    private readonly ConcurrentQueue<string> _log = new();

    /// <summary>The workers' visibility timeout and lease in the test graph.</summary>
    public static readonly TimeSpan VisibilityTimeout = TimeSpan.FromSeconds(4);

    /// <summary>How long a queued task waits, while the queue is empty, before the reconciler resends it.</summary>
    public static readonly TimeSpan LostMessageAfter = TimeSpan.FromSeconds(3);

    /// <summary>The Api's coalescing window for live events in the test graph.</summary>
    public static readonly TimeSpan JobEventsCoalesceInterval = TimeSpan.FromMilliseconds(250);

    private const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>The graph's throwaway data folder (PostgreSQL, secrets).</summary>
    public string DataDirectory => _dataDirectory;

    /// <summary>The Api as the development tenant, the way the console and a user's scripts call it.</summary>
    public HttpClient Api { get; private set; } = null!;

    /// <summary>The Api with the workers' credential, for tests that act as a worker by hand.</summary>
    public HttpClient WorkerApi { get; private set; } = null!;

    /// <summary>The Api with the administrator's credential: tenants and keys.</summary>
    public HttpClient AdminApi { get; private set; } = null!;

    /// <summary>The AppHost dashboard's JSON API, with this run's token as a Bearer token.</summary>
    public HttpClient Dashboard { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = JobPlatformGraph.Build(new AppHostOptions
        {
            Workers = 2,
            ApiPort = 0,
            WebPort = 0,
            PostgresPort = 0,
            SqsPort = 0,
            IncludeWeb = true,
            // Debian's Prometheus, which .ci/run installs, scraping every replica each second.
            Prometheus = true,
            PrometheusPort = 0,
            PrometheusScrapeInterval = TimeSpan.FromSeconds(1),
            DashboardPort = 0,
            OtlpPort = 0,
            OtlpGrpcPort = 0,
            Fresh = true,
            Testing = true,
            DataDirectory = _dataDirectory,
            // Short leases, heartbeats and backoffs keep the crash and retry tests quick; the
            // defaults stay production-sized.
            ResourceEnvironment = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                ["worker"] = new Dictionary<string, string>
                {
                    ["Worker__VisibilityTimeout"] = VisibilityTimeout.ToString(),
                    ["Worker__HeartbeatInterval"] = "00:00:01",
                    // The emulator wakes a long poll only for new messages, not for ones whose
                    // visibility ran out; short polls make such redeliveries as prompt as real SQS.
                    ["Worker__ReceiveWaitTime"] = "00:00:01",
                    ["Worker__DrainTimeout"] = "00:00:01",
                    ["Worker__PresenceInterval"] = "00:00:01",
                },
                ["api"] = new Dictionary<string, string>
                {
                    ["TaskLease__Duration"] = VisibilityTimeout.ToString(),
                    ["TaskRetry__BaseDelay"] = "00:00:00.500",
                    ["TaskRetry__Factor"] = "3",
                    ["TaskReconciler__Interval"] = "00:00:01",
                    ["TaskReconciler__LeaseGrace"] = "00:00:01",
                    ["TaskReconciler__LostMessageAfter"] = LostMessageAfter.ToString(),
                    ["JobEvents__CoalesceInterval"] = JobEventsCoalesceInterval.ToString(),
                    ["JobEvents__ProgressInterval"] = JobEventsCoalesceInterval.ToString(),
                    // One Api replica signs and checks its own tokens: expiry is exact.
                    ["Auth__ClockSkew"] = "00:00:00",
                },
            },
            LogSink = (resource, line) =>
            {
                _log.Enqueue($"[{resource}] {line}");
                while (_log.Count > KeptLogLines && _log.TryDequeue(out _))
                {
                }
            },
        });
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await App.StartAsync(startup.Token);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"The graph did not start: {ex.Message}\n{RecentLog()}", ex);
        }
        Api = CreateApiClient(App.GetSecret("dev-tenant"));
        WorkerApi = CreateApiClient(App.GetSecret("worker-key"));
        AdminApi = CreateApiClient(App.GetSecret("admin-key"));
        Dashboard = CreateDashboardClient(App.DashboardToken);
    }

    /// <summary>A client of the dashboard that sends <paramref name="token"/> as a Bearer token, or none when null.</summary>
    public HttpClient CreateDashboardClient(string? token)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = App.DashboardUrl };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    /// <summary>A client of the OTLP receiver, as an exporter would be (without the key: send it yourself).</summary>
    public HttpClient CreateOtlpClient() => new() { BaseAddress = App.OtlpEndpoint };

    /// <summary>A client of the Api that sends <paramref name="credential"/> (a key or a token), or none when null.</summary>
    public HttpClient CreateApiClient(string? credential)
    {
        var client = App.CreateHttpClient("api");
        if (credential is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", credential);
        }
        return client;
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        WorkerApi?.Dispose();
        AdminApi?.Dispose();
        Dashboard?.Dispose();
        _playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the OS to clean: a temp folder, and Postgres may still be letting go of a file.
        }
    }

    /// <summary>Opens a connection to <c>jobsdb</c>, for assertions the Api does not expose.</summary>
    public async Task<NpgsqlConnection> OpenDatabaseAsync()
    {
        var connection = new NpgsqlConnection(App.GetConnectionString("jobsdb"));
        await connection.OpenAsync();
        return connection;
    }

    public async Task<T> QueryScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// The promises that hold for every finished job, checked in the database: every task final, no
    /// attempt left open, the attempt counts matching the attempt records, and the job's counters
    /// matching its tasks.
    /// </summary>
    public async Task AssertJobInvariantsAsync(Guid jobId)
    {
        await using var connection = await OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT
                (SELECT count(*) FROM tasks WHERE job_id = @job AND NOT (status = ANY(@final))),
                (SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job AND a.ended_at IS NULL),
                (SELECT coalesce(sum(attempts), 0) FROM tasks WHERE job_id = @job),
                (SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job),
                (SELECT count(*) FROM tasks WHERE job_id = @job AND status = ANY(@final)) - j.finished_tasks,
                (SELECT count(*) FROM tasks WHERE job_id = @job AND status IN ('failed', 'dead_lettered')) - j.failed_tasks,
                j.status
            FROM jobs j WHERE j.id = @job
            """, connection);
        command.Parameters.AddWithValue("job", jobId);
        command.Parameters.AddWithValue("final", JobPlatform.Contracts.JobTaskStatus.Final.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"job {jobId} does not exist");
        Assert.True(reader.GetInt64(0) == 0, $"job {jobId}: {reader.GetInt64(0)} tasks are not final");
        Assert.True(reader.GetInt64(1) == 0, $"job {jobId}: {reader.GetInt64(1)} attempts are still open");
        Assert.True(reader.GetInt64(2) == reader.GetInt64(3), $"job {jobId}: tasks count {reader.GetInt64(2)} attempts but {reader.GetInt64(3)} are recorded");
        Assert.True(reader.GetInt64(4) == 0, $"job {jobId}: finished_tasks is off by {-reader.GetInt64(4)}");
        Assert.True(reader.GetInt64(5) == 0, $"job {jobId}: failed_tasks is off by {-reader.GetInt64(5)}");
        Assert.Contains(reader.GetString(6), JobPlatform.Contracts.JobStatus.Final);
    }

    /// <summary>A client for the graph's SQS emulator, to look at or tamper with the queues.</summary>
    public Amazon.SQS.AmazonSQSClient CreateSqsClient() => new(
        new Amazon.Runtime.BasicAWSCredentials("test", "test"),
        new Amazon.SQS.AmazonSQSConfig { ServiceURL = App.GetConnectionString("sqs"), AuthenticationRegion = "us-east-1" });

    /// <summary>Debian's chromium, driven by Playwright; never a downloaded browser.</summary>
    public async Task<IBrowser> LaunchBrowserAsync()
    {
        _playwright ??= await Playwright.CreateAsync();
        return await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>The last lines the graph's processes printed, to explain a failure.</summary>
    public string RecentLog(int lines = 80) => string.Join('\n', _log.TakeLast(lines));
}

[CollectionDefinition(Name)]
public sealed class GraphCollection : ICollectionFixture<JobPlatformFixture>
{
    public const string Name = "graph";
}
