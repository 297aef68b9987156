using JobPlatform.AppHost.Testing;
using Microsoft.Playwright;
using Npgsql;

namespace JobPlatform.Tests.Infrastructure;

/// <summary>
/// The real graph: JobPlatform.AppHost started by Aspire.Hosting.Testing (<see cref="RunningGraph"/>) with
/// PostgreSQL, the SQS emulator, the Api, two workers, the console, Prometheus and Aspire's dashboard, on
/// random ports with a throwaway data folder. Shared by every test in <see cref="GraphCollection"/>.
/// </summary>
public sealed class JobPlatformFixture : IAsyncLifetime
{
    /// <summary>The workers' visibility timeout and lease in the test graph.</summary>
    public static readonly TimeSpan VisibilityTimeout = TimeSpan.FromSeconds(4);

    /// <summary>How long a queued task waits, while the queue is empty, before the reconciler resends it.</summary>
    public static readonly TimeSpan LostMessageAfter = TimeSpan.FromSeconds(3);

    /// <summary>The Api's coalescing window for live events in the test graph.</summary>
    /// <summary>Refused keys one client address may present at once.</summary>
    public const int FailedAttemptsBurst = 100;

    public static readonly TimeSpan JobEventsCoalesceInterval = TimeSpan.FromMilliseconds(250);

    private const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public RunningGraph App { get; private set; } = null!;

    /// <summary>The graph's throwaway data folder (PostgreSQL, secrets).</summary>
    public string DataDirectory => App.DataDirectory;

    /// <summary>The Api as the development tenant, the way the console and a user's scripts call it.</summary>
    public HttpClient Api { get; private set; } = null!;

    /// <summary>The Api with the workers' credential, for tests that act as a worker by hand.</summary>
    public HttpClient WorkerApi { get; private set; } = null!;

    /// <summary>The Api with the administrator's credential: tenants and keys.</summary>
    public HttpClient AdminApi { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        App = await RunningGraph.StartAsync(new GraphOptions
        {
            Workers = 2,
            Web = true,
            // Debian's Prometheus, which .ci/run installs, scraping every replica each second.
            Prometheus = true,
            ScrapeInterval = TimeSpan.FromSeconds(1),
            // Aspire's dashboard receives every service's telemetry, as in the development loop.
            Dashboard = true,
            // Statement counts, for tests that prove a path costs few queries.
            PostgresSettings = new Dictionary<string, string> { ["shared_preload_libraries"] = "pg_stat_statements" },
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
                // The second pool says it is live as promptly, so the relay routes to it from the start.
                ["wordcount"] = new Dictionary<string, string>
                {
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
                    // Expired rows go within a second or two of a test's backdating them.
                    ["Retention__Interval"] = "00:00:01",
                    ["JobEvents__CoalesceInterval"] = JobEventsCoalesceInterval.ToString(),
                    ["JobEvents__ProgressInterval"] = JobEventsCoalesceInterval.ToString(),
                    // One Api replica signs and checks its own tokens: expiry is exact.
                    ["Auth__ClockSkew"] = "00:00:00",
                    // Every test shares one client address; the key-guessing test uses another.
                    ["Auth__FailedAttemptsBurst"] = FailedAttemptsBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            },
        }, startup.Token);
        Api = CreateApiClient(App.GetSecret("dev-tenant"));
        WorkerApi = CreateApiClient(App.GetSecret("worker-key"));
        AdminApi = CreateApiClient(App.GetSecret("admin-key"));
    }

    /// <summary>
    /// Every worker pool: the demo workers and the word-count sample's. A test that must have no live
    /// worker stops them all: with any pool live, the relay sends only what a live pool runs.
    /// </summary>
    public GraphResource WorkerPools => App.GetResources("worker", "wordcount");

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

    /// <summary>
    /// A client of the Api whose connections come from <paramref name="source"/>, another loopback
    /// address, so limits kept per client address start afresh for it.
    /// </summary>
    public HttpClient CreateApiClientFrom(System.Net.IPAddress source)
    {
        var api = App.GetEndpoint("api");
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                socket.Bind(new System.Net.IPEndPoint(source, 0));
                await socket.ConnectAsync(System.Net.IPAddress.Loopback, context.DnsEndPoint.Port, ct);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        return new HttpClient(handler) { BaseAddress = api };
    }

    /// <summary>A client of Aspire's dashboard telemetry API (<c>/api/telemetry/...</c>), with this run's key.</summary>
    public HttpClient CreateDashboardClient()
    {
        var client = new HttpClient { BaseAddress = App.DashboardUrl };
        client.DefaultRequestHeaders.Add("x-api-key", App.DashboardApiKey);
        return client;
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        WorkerApi?.Dispose();
        AdminApi?.Dispose();
        _playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }

    /// <summary>Starts the graph's stopped PostgreSQL again; the stop ended every pooled connection of this process too.</summary>
    public async Task StartPostgresAsync()
    {
        await App.GetResource("postgres").StartAsync();
        NpgsqlConnection.ClearAllPools();
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

    /// <summary>
    /// Plays a worker that takes the normal queue's messages away without running them: waits for at
    /// least one, then deletes every one received.
    /// </summary>
    public async Task TakeTaskMessagesAsync()
    {
        using var sqs = CreateSqsClient();
        var queueUrl = (await sqs.GetQueueUrlAsync("jobplatform-tasks")).QueueUrl;
        var received = await Eventually.Until(
            async () => (await sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest { QueueUrl = queueUrl, WaitTimeSeconds = 1, MaxNumberOfMessages = 10 })).Messages ?? [],
            messages => messages.Count > 0, TimeSpan.FromSeconds(20), _ => "no message arrived");
        foreach (var message in received)
        {
            await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle);
        }
    }

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
    public string RecentLog(int lines = 80) => App.RecentLog(lines);
}

[CollectionDefinition(Name)]
public sealed class GraphCollection : ICollectionFixture<JobPlatformFixture>
{
    public const string Name = "graph";
}
