using System.Net.Http.Json;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using JobPlatform.AppHost.Testing;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using k8s.Models;
using Npgsql;

namespace JobPlatform.Tests.Kubernetes;

/// <summary>
/// A real run of the published configuration: the environment the kind overlay gives the Api, the
/// migration Job and the worker, with the cluster's Service addresses replaced by this machine's,
/// starts the built Api and Worker against the graph's own PostgreSQL and SQS emulator, and a job
/// runs to completion on that worker alone.
/// </summary>
public sealed partial class PublishedConfigurationRunTests : IAsyncLifetime
{
    private const string WorkerPod = "worker-5d8f7c9b4-k8stest";

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"jobplatform-k8s-run-{Guid.NewGuid():N}");
    private readonly ConcurrentQueue<string> _log = new();
    private readonly List<Process> _processes = [];
    private RunningGraph? _graph;

    public async Task InitializeAsync()
    {
        // The same graph, with no workers or console of its own: every task must go to the worker started here.
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        _graph = await RunningGraph.StartAsync(new GraphOptions
        {
            Workers = 0,
            Web = false,
            DataDirectory = _dataDirectory,
            LogSink = Enqueue,
        }, startup.Token);
    }

    [Fact]
    public async Task KindEnvironment_RunsAJob_OnThePublishedApiAndWorker()
    {
        var kind = await RenderedOverlay.RenderAsync("kind");
        var database = new NpgsqlConnectionStringBuilder(_graph!.GetConnectionString("jobsdb"));
        var apiPort = FreePort();
        var local = new Dictionary<string, string>
        {
            [$"postgres:{ClusterPort(kind, "postgres")}"] = $"{database.Host}:{database.Port}",
            [$"sqs:{ClusterPort(kind, "sqs")}"] = $"127.0.0.1:{_graph.GetEndpoint("sqs").Port}",
            [$"api:{ClusterPort(kind, "api")}"] = $"127.0.0.1:{apiPort}",
        };

        // The migration Job first, as a rollout runs it.
        var migrate = Assert.Single(kind.Get<V1Job>("api-migrate").Spec.Template.Spec.Containers);
        var migration = Start("api-migrate", "JobPlatform.Api", migrate.Args, Localize(kind.EnvironmentOf(migrate, "api-migrate-x7k2p"), local, FreePort()));
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            await migration.WaitForExitAsync(timeout.Token);
        }
        Assert.True(migration.ExitCode == 0, $"the migration Job's command exited with {migration.ExitCode}\n{RecentLog()}");

        var apiContainer = kind.Get<V1Deployment>("api").Spec.Template.Spec.Containers.Single();
        var apiEnvironment = Localize(kind.EnvironmentOf(apiContainer, "api-6b7d9f-abcde"), local, apiPort);
        Start("api", "JobPlatform.Api", apiContainer.Args, apiEnvironment);
        await AssertProbesAnswerAsync(apiContainer, new Uri($"http://127.0.0.1:{apiPort}"));

        var workerContainer = kind.Get<V1Deployment>("worker").Spec.Template.Spec.Containers.Single();
        var workerPort = FreePort();
        Start("worker", "JobPlatform.Worker", workerContainer.Args, Localize(kind.EnvironmentOf(workerContainer, WorkerPod), local, workerPort));
        await AssertProbesAnswerAsync(workerContainer, new Uri($"http://127.0.0.1:{workerPort}"));

        // The emulator's probes, at the graph's emulator (the same fauxqs the image runs).
        await AssertProbesAnswerAsync(kind.Get<V1Deployment>("sqs").Spec.Template.Spec.Containers.Single(), _graph.GetEndpoint("sqs"));

        // As docs/kubernetes.md does: a tenant and its key, made with the administrator's key from the Secret.
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiEnvironment["Auth__AdminKey"]);
        using (var tenant = await admin.PostAsJsonAsync("/api/v1/tenants", new CreateTenantRequest("team-a"), JobsClient.Json))
        {
            Assert.True(tenant.IsSuccessStatusCode, $"creating a tenant: {(int)tenant.StatusCode} {await tenant.Content.ReadAsStringAsync()}");
        }
        using var issued = await admin.PostAsJsonAsync("/api/v1/tenants/team-a/keys", new CreateApiKeyRequest(), JobsClient.Json);
        var key = (await issued.Content.ReadFromJsonAsync<ApiKeyCreatedResponse>(JobsClient.Json))!.Key;

        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var job = await api.SubmitAsync(new { name = "kind-environment", type = "echo", taskCount = 6, parameters = new { hello = "cluster" } });
        var finished = await api.WaitForFinalAsync(job.Id, TimeSpan.FromSeconds(90));

        Assert.True(finished.Status == JobStatus.Completed, $"the job ended {finished.Status}\n{RecentLog()}");
        await using var connection = new NpgsqlConnection(_graph.GetConnectionString("jobsdb"));
        await connection.OpenAsync();
        await using var workers = new NpgsqlCommand("SELECT DISTINCT a.worker_id FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job", connection);
        workers.Parameters.AddWithValue("job", job.Id);
        // The worker's id is its pod name, through $(POD_NAME) in the manifest, as each dev replica gets its name.
        Assert.Equal(WorkerPod, (string?)await workers.ExecuteScalarAsync());

        // Outside development a service logs one JSON object per line, for a log collector. (The
        // graph has no worker of its own: every worker line is the published worker's.)
        var lines = _log.Where(line => line.StartsWith("[worker] ", StringComparison.Ordinal)).Select(line => line["[worker] ".Length..]).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, line =>
        {
            using var entry = System.Text.Json.JsonDocument.Parse(line);
            Assert.True(entry.RootElement.TryGetProperty("LogLevel", out _), $"not a JSON log entry: {line}");
        });
    }

    /// <summary>Every probe of <paramref name="container"/> answers 2xx at its path on the running service.</summary>
    private async Task AssertProbesAnswerAsync(V1Container container, Uri baseAddress)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        foreach (var probe in new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe })
        {
            var path = probe.HttpGet.Path;
            await Eventually.Until(async () =>
            {
                try
                {
                    using var response = await http.GetAsync(path);
                    return response.StatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet, or still starting on a busy machine (the 5 s timeout).
                    return (HttpStatusCode?)null;
                }
            }, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(60), status => $"{container.Name} answers {status?.ToString() ?? "nothing"} at {path}\n{RecentLog()}");
        }
    }

    /// <summary>
    /// The container's environment with each cluster address (a Service's name and port) replaced by
    /// the local one, and the container's own listening address by <paramref name="ownPort"/>. Fails
    /// on any address left pointing into the cluster.
    /// </summary>
    private static Dictionary<string, string> Localize(Dictionary<string, string> environment, IReadOnlyDictionary<string, string> local, int ownPort)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in environment)
        {
            var localized = ListenAll().Replace(value, $"http://127.0.0.1:{ownPort}");
            localized = HttpAuthority().Replace(localized, match =>
                local.TryGetValue(match.Groups[1].Value, out var address) ? $"http://{address}" : match.Value);
            if (localized.Contains("Host=", StringComparison.OrdinalIgnoreCase))
            {
                var builder = new NpgsqlConnectionStringBuilder(localized);
                if (local.TryGetValue($"{builder.Host}:{builder.Port}", out var address))
                {
                    builder.Host = address.Split(':')[0];
                    builder.Port = int.Parse(address.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
                }
                Assert.True(builder.Host is "127.0.0.1" or "localhost", $"{key} still points into the cluster: {builder.Host}");
                localized = builder.ConnectionString;
            }
            foreach (Match match in HttpAuthority().Matches(localized))
            {
                Assert.True(match.Groups[1].Value.StartsWith("127.0.0.1:", StringComparison.Ordinal), $"{key} still points into the cluster: {match.Value}");
            }
            result[key] = localized;
        }
        return result;
    }

    private static int ClusterPort(RenderedOverlay rendered, string service) => rendered.Get<V1Service>(service).Spec.Ports.Single().Port;

    /// <summary>Starts a built project as its container would run: its own folder, only the manifest's environment.</summary>
    private Process Start(string name, string project, IList<string>? args, Dictionary<string, string> environment)
    {
        var start = BuiltProject.StartInfo(project, args, environment);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Log(name, e.Data);
        process.ErrorDataReceived += (_, e) => Log(name, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        return process;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Log(string source, string? line)
    {
        if (line is not null)
        {
            Enqueue($"[{source}] {line}");
        }
    }

    private void Enqueue(string entry)
    {
        _log.Enqueue(entry);
        while (_log.Count > 400 && _log.TryDequeue(out _))
        {
        }
    }

    private string RecentLog() => string.Join('\n', _log.TakeLast(60));

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            process.Dispose();
        }
        if (_graph is not null)
        {
            await _graph.DisposeAsync();
        }
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temp folder; PostgreSQL may still be letting go of a file.
        }
    }

    [GeneratedRegex(@"http://[+*]:\d+")]
    private static partial Regex ListenAll();

    [GeneratedRegex(@"http://([A-Za-z0-9.\-]+:\d+)")]
    private static partial Regex HttpAuthority();
}
