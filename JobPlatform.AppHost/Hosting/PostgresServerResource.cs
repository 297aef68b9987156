using Npgsql;

namespace JobPlatform.AppHost.Hosting;

/// <summary>
/// PostgreSQL from the installed binaries, run as the postgres user (the server refuses root), with
/// its data in a folder that survives restarts. TCP on loopback only.
/// </summary>
public sealed class PostgresServerResource(string name, int port) : Resource(name)
{
    /// <summary>Where Debian installs the PostgreSQL 15 server binaries.</summary>
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The image a published server runs (the official image, Alpine: the same major version as the local binaries).</summary>
    public const string ContainerImage = "postgres:15-alpine";

    /// <summary>PostgreSQL's port inside its container and on its Service.</summary>
    public const int ContainerPort = 5432;

    /// <summary>
    /// The superuser password an in-cluster development deployment (kind) gets, kept in a Secret. A
    /// real deployment uses its own database and connection Secret instead.
    /// </summary>
    public const string DevelopmentPassword = "jobplatform-dev-only";

    /// <summary>The Secret holding the server's superuser password in a cluster.</summary>
    public string PasswordSecretName => Name;

    /// <summary>The databases created on the server, in the order they were added.</summary>
    public IReadOnlyList<PostgresDatabaseResource> DatabaseResources => Databases;

    private SupervisedProcess? _process;
    private bool _wiped;

    public int Port { get; private set; } = port;

    internal List<PostgresDatabaseResource> Databases { get; } = [];

    internal string? DataDirectory { get; private set; }

    public override string? DisplayUrl => $"postgres://127.0.0.1:{Port}";

    internal override IEnumerable<(int Port, string Option)> FixedPorts => Port == 0 ? [] : [(Port, "--postgres-port")];

    internal string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Database = database, Username = UnixUser.PostgresUser }.ConnectionString;

    internal override async Task StartAsync(AppHostContext context, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(BinDirectory, "postgres")))
        {
            throw new ResourceStartException(Name, $"needs the PostgreSQL 15 server binaries in {BinDirectory}. Install them with: apt-get install postgresql-15");
        }
        Port = Port == 0 ? Ports.FindFree() : Port;
        DataDirectory = await PrepareDataDirectoryAsync(context, ct);

        var arguments = new List<string>
        {
            "-D", DataDirectory, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=300",
        };
        if (context.Options.Testing)
        {
            // Test data is thrown away: durability only costs time.
            arguments.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }
        foreach (var (name, value) in context.Options.PostgresSettings)
        {
            arguments.AddRange(["-c", $"{name}={value}"]);
        }
        var (file, args) = UnixUser.AsPostgres(Path.Combine(BinDirectory, "postgres"), arguments);
        _process = new SupervisedProcess(Name, new ProcessSpec(file, args, DataDirectory, new Dictionary<string, string?>())
        {
            // SIGINT is PostgreSQL's fast shutdown: it ends sessions instead of waiting for them.
            StopSignal = System.Runtime.InteropServices.PosixSignal.SIGINT,
        }, context.Log);
        _process.Start();

        await HealthWaiter.WaitAsync(Name, _process, async token =>
        {
            await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
            await connection.OpenAsync(token);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            return await command.ExecuteScalarAsync(token) is 1;
        }, StartTimeout, context.Log, ct);

        foreach (var database in Databases)
        {
            await database.EnsureCreatedAsync(context, ct);
        }
    }

    private async Task<string> PrepareDataDirectoryAsync(AppHostContext context, CancellationToken ct)
    {
        var root = Path.Combine(context.DataDirectory, Name);
        if (!UnixUser.PostgresCanReach(root))
        {
            var fallback = Path.Combine("/var/tmp", $"jobplatform-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(root)))[..8]}", Name);
            context.Log.Info(Name, $"the postgres user cannot reach {root}; keeping the data in {fallback} instead");
            root = fallback;
        }
        var data = Path.Combine(root, "data");

        if (context.Options.Fresh && !_wiped && Directory.Exists(root))
        {
            await StopLeftoverServerAsync(data, context, ct);
            Directory.Delete(root, recursive: true);
        }
        _wiped = true;
        Directory.CreateDirectory(root);
        await UnixUser.ChownToPostgresAsync(root, ct);

        if (!File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            context.Log.Info(Name, $"initialising a new database cluster in {data}");
            var initArguments = new List<string> { "-D", data, "--auth=trust", "-U", UnixUser.PostgresUser, "-E", "UTF8", "--locale=C" };
            if (context.Options.Testing)
            {
                initArguments.Add("--no-sync");
            }
            var (file, args) = UnixUser.AsPostgres(Path.Combine(BinDirectory, "initdb"), initArguments);
            var result = await CliWrap.Cli.Wrap(file).WithArguments(args).WithWorkingDirectory(root)
                .WithStandardOutputPipe(CliWrap.PipeTarget.ToDelegate(line => context.Log.Write(Name, line)))
                .WithStandardErrorPipe(CliWrap.PipeTarget.ToDelegate(line => context.Log.Write(Name, line)))
                .WithValidation(CliWrap.CommandResultValidation.None)
                .ExecuteAsync(ct);
            if (result.ExitCode != 0)
            {
                throw new ResourceStartException(Name, $"initdb failed with exit code {result.ExitCode}:{Environment.NewLine}{context.Log.Recent(Name)}");
            }
        }
        else
        {
            await StopLeftoverServerAsync(data, context, ct);
        }
        return data;
    }

    // An AppHost that was killed outright leaves its postmaster running on the data folder; stop it
    // so this start can take over instead of failing on the lock.
    private async Task StopLeftoverServerAsync(string data, AppHostContext context, CancellationToken ct)
    {
        var pidFile = Path.Combine(data, "postmaster.pid");
        if (!File.Exists(pidFile)
            || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid)
            || !Directory.Exists($"/proc/{pid}"))
        {
            return;
        }
        context.Log.Info(Name, $"stopping a PostgreSQL left running by an earlier run (pid {pid})");
        var (file, args) = UnixUser.AsPostgres(Path.Combine(BinDirectory, "pg_ctl"), ["stop", "-D", data, "-m", "fast", "-w", "-t", "15"]);
        await CliWrap.Cli.Wrap(file).WithArguments(args).WithValidation(CliWrap.CommandResultValidation.None).ExecuteAsync(ct);
    }

    internal override Task StopAsync() => _process?.StopAsync() ?? Task.CompletedTask;

    internal SupervisedProcess? Process => _process;
}
