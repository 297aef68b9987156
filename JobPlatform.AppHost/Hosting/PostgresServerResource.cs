using Aspire.Hosting.Eventing;
using Aspire.Hosting.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// PostgreSQL from the installed binaries as an Aspire executable resource: Aspire's own
/// <c>AddPostgres</c> needs a container runtime. It runs as the postgres user (the server refuses
/// root), trusts connections on loopback (localhost) only, and keeps its data in a folder that survives restarts.
/// Its connection string names no database; its databases' strings do.
/// </summary>
public sealed class PostgresServerResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    /// <summary>The name of the TCP endpoint; its port reaches the server as PGPORT.</summary>
    public const string EndpointName = "tcp";

    /// <summary>Where Debian installs the PostgreSQL 15 server binaries.</summary>
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    /// <summary>The databases created on the server, in the order they were added.</summary>
    public List<PostgresDatabaseResource> Databases { get; } = [];

    /// <summary>The folder holding the cluster's files (<c>PG_VERSION</c>, <c>postmaster.pid</c>).</summary>
    public required string DataDirectory { get; init; }

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={Endpoint.Property(EndpointProperty.Host)};Port={Endpoint.Property(EndpointProperty.Port)};Username={UnixUser.PostgresUser}");
}

/// <summary>A database on a <see cref="PostgresServerResource"/>, created once the server is ready. Referencing it passes <c>ConnectionStrings__{name}</c>.</summary>
public sealed class PostgresDatabaseResource(string name, PostgresServerResource parent)
    : Resource(name), IResourceWithParent<PostgresServerResource>, IResourceWithConnectionString
{
    public PostgresServerResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent};Database={Name}");
}

public static class PostgresBuilderExtensions
{
    private static readonly TimeSpan LeftoverStopTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Adds PostgreSQL 15 from <see cref="PostgresServerResource.BinDirectory"/>, its cluster in
    /// <paramref name="dataRoot"/>/data (created by initdb on first start, wiped first when
    /// <paramref name="fresh"/>). <paramref name="testing"/> trades durability for speed.
    /// <paramref name="settings"/> become <c>-c name=value</c> after the AppHost's own.
    /// </summary>
    public static IResourceBuilder<PostgresServerResource> AddPostgresServer(this IDistributedApplicationBuilder builder,
        string name, string dataRoot, int port, bool fresh = false, bool testing = false,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        if (!UnixUser.PostgresCanReach(dataRoot))
        {
            // A clone under /root, say: the postgres user cannot enter it.
            dataRoot = Path.Combine("/var/tmp", $"jobplatform-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dataRoot)))[..8]}", name);
        }
        var data = Path.Combine(dataRoot, "data");

        var arguments = new List<string>
        {
            "-D", data, "-c", "listen_addresses=localhost", "-c", "unix_socket_directories=", "-c", "max_connections=300",
        };
        if (testing)
        {
            // Test data is thrown away: durability only costs time.
            arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }
        foreach (var (setting, value) in settings ?? new Dictionary<string, string>())
        {
            arguments.AddRange(["-c", $"{setting}={value}"]);
        }
        var (file, args) = UnixUser.AsPostgres(Path.Combine(PostgresServerResource.BinDirectory, "postgres"), arguments);

        Directory.CreateDirectory(dataRoot);
        var server = new PostgresServerResource(name, "/bin/sh", dataRoot) { DataDirectory = data };
        var wiped = false;

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(server, async (e, ct) =>
        {
            var log = e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(server);
            if (!File.Exists(Path.Combine(PostgresServerResource.BinDirectory, "postgres")))
            {
                throw new DistributedApplicationException($"'{name}' needs the PostgreSQL 15 server binaries in {PostgresServerResource.BinDirectory}. Install them with: apt-get install postgresql-15");
            }
            await StopLeftoverServerAsync(data, log, ct);
            if (fresh && !wiped && Directory.Exists(data))
            {
                log.LogInformation("Wiping {DataDirectory} (fresh start)", data);
                Directory.Delete(data, recursive: true);
            }
            wiped = true;
            await UnixUser.ChownToPostgresAsync(dataRoot, ct);
            if (!File.Exists(Path.Combine(data, "PG_VERSION")))
            {
                await InitDbAsync(data, dataRoot, testing, log, ct);
            }
        });

        builder.Eventing.Subscribe<ResourceReadyEvent>(server, async (e, ct) =>
        {
            var connectionString = await server.ConnectionStringExpression.GetValueAsync(ct);
            // Unpooled: a pooled connection would not survive the server's restart (stop and start from the dashboard).
            await using var connection = new NpgsqlConnection($"{connectionString};Database=postgres;Pooling=false");
            await connection.OpenAsync(ct);
            foreach (var database in server.Databases)
            {
                await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
                exists.Parameters.AddWithValue("name", database.Name);
                if (await exists.ExecuteScalarAsync(ct) is null)
                {
                    await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Name}\"", connection);
                    await create.ExecuteNonQueryAsync(ct);
                    e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(server).LogInformation("Created database {Database}", database.Name);
                }
            }
        });

        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck,
            _ => new NpgsqlHealthCheck(server, database: "postgres"), failureStatus: null, tags: null));

        return builder.AddResource(server)
            // SIGTERM is PostgreSQL's smart shutdown, which waits for every client to leave: a pool
            // would hold it until DCP kills it. The shell turns DCP's SIGTERM into SIGINT, the fast
            // shutdown that ends sessions at once.
            .WithArgs(["-c", """
                "$@" &
                pid=$!
                trap 'kill -INT $pid' TERM INT
                status=0
                while kill -0 $pid 2>/dev/null; do wait $pid; status=$?; done
                exit $status
                """, "postgres", file, .. args])
            // Not behind DCP's proxy: every statement would pay a hop, and connections would outlive
            // a restart of the server only to fail on their next use.
            .WithEndpoint(port: port, targetPort: port, name: PostgresServerResource.EndpointName, scheme: "tcp", env: "PGPORT", isProxied: false)
            .WithIconName("DatabaseMultiple")
            .WithHealthCheck(healthCheck);
    }

    /// <summary>Adds a database, created on the server once it accepts connections and ready once it answers.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> builder, string name)
    {
        var database = new PostgresDatabaseResource(name, builder.Resource);
        builder.Resource.Databases.Add(database);
        var healthCheck = $"{name}_check";
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck,
            _ => new NpgsqlHealthCheck(database, database: null), failureStatus: null, tags: null));
        builder.ApplicationBuilder.Eventing.Subscribe<InitializeResourceEvent>(database, (e, ct) =>
        {
            // A database lives and dies with its server. Aspire passes a container's state on to its
            // children, not an executable's, so the database follows its server here.
            BackgroundWork.Start($"Following {builder.Resource.Name}'s state", e.Logger, token => e.Notifications.FollowResourcesAsync(
                $"Following {builder.Resource.Name}'s state", e.Logger, async (update, _) =>
                {
                    if (update.Resource == builder.Resource)
                    {
                        await e.Notifications.PublishUpdateAsync(database, s => s with
                        {
                            State = update.Snapshot.State,
                            StartTimeStamp = update.Snapshot.StartTimeStamp,
                            StopTimeStamp = update.Snapshot.StopTimeStamp,
                        });
                    }
                }, token), ct);
            return Task.CompletedTask;
        });
        return builder.ApplicationBuilder.AddResource(database)
            .WithIconName("Database")
            .WithHealthCheck(healthCheck);
    }

    private static async Task InitDbAsync(string data, string workingDirectory, bool testing, ILogger log, CancellationToken ct)
    {
        log.LogInformation("Initialising a new database cluster in {DataDirectory}", data);
        var initArguments = new List<string> { "-D", data, "--auth=trust", "-U", UnixUser.PostgresUser, "-E", "UTF8", "--locale=C" };
        if (testing)
        {
            initArguments.Add("--no-sync");
        }
        var (file, args) = UnixUser.AsPostgres(Path.Combine(PostgresServerResource.BinDirectory, "initdb"), initArguments);
        var output = new System.Text.StringBuilder();
        var result = await CliWrap.Cli.Wrap(file).WithArguments(args).WithWorkingDirectory(workingDirectory)
            .WithStandardOutputPipe(CliWrap.PipeTarget.ToStringBuilder(output))
            .WithStandardErrorPipe(CliWrap.PipeTarget.ToStringBuilder(output))
            .WithValidation(CliWrap.CommandResultValidation.None)
            .ExecuteAsync(ct);
        if (result.ExitCode != 0)
        {
            throw new DistributedApplicationException($"initdb failed with exit code {result.ExitCode}:{Environment.NewLine}{output}");
        }
    }

    // An AppHost killed outright can leave its postmaster running on the data folder; stop it so this
    // start can take over instead of failing on the lock.
    private static async Task StopLeftoverServerAsync(string data, ILogger log, CancellationToken ct)
    {
        var pidFile = Path.Combine(data, "postmaster.pid");
        if (!File.Exists(pidFile)
            || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid)
            || !Directory.Exists($"/proc/{pid}"))
        {
            return;
        }
        log.LogInformation("Stopping a PostgreSQL left running by an earlier run (pid {Pid})", pid);
        var (file, args) = UnixUser.AsPostgres(Path.Combine(PostgresServerResource.BinDirectory, "pg_ctl"),
            ["stop", "-D", data, "-m", "fast", "-w", "-t", ((int)LeftoverStopTimeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await CliWrap.Cli.Wrap(file).WithArguments(args).WithValidation(CliWrap.CommandResultValidation.None).ExecuteAsync(ct);
    }
}

/// <summary>Healthy when the resource's connection string opens and answers <c>SELECT 1</c>.</summary>
internal sealed class NpgsqlHealthCheck(IResourceWithConnectionString resource, string? database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
            if (database is not null)
            {
                connectionString += $";Database={database}";
            }
            // Unpooled: a probe must not keep connections that a restart of the server would break.
            await using var connection = new NpgsqlConnection($"{connectionString};Pooling=false;Timeout=3");
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }
}
