using JobPlatform.Api.Data;
using JobPlatform.Api.Extensions;
using JobPlatform.Api.Identity;
using JobPlatform.Api.Lifecycle;
using JobPlatform.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace JobPlatform.Tests.Lifecycle;

/// <summary>
/// A database of its own on the graph's PostgreSQL server, with the Api's real schema, for one test:
/// the graph's relay, reconciler and workers act only on <c>jobsdb</c>, so nothing but the test moves
/// these rows. The schema comes from the Api's EF Core migrations, applied once to a template that
/// each test's database is copied from; the copy is dropped when the test ends, after the lifecycle's
/// invariants are checked (<see cref="Observed.AssertInvariantsAsync"/>).
/// </summary>
public sealed class StoreDatabase : IAsyncDisposable
{
    private static readonly string Template = $"lifecycle_template_{Guid.NewGuid():N}";
    private static readonly SemaphoreSlim TemplateGate = new(1, 1);
    private static bool _templateMigrated;

    private readonly string _serverConnectionString;

    private StoreDatabase(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        DataSource = NpgsqlDataSource.Create(Extensions.WithDefaults(On(serverConnectionString, name)));
        Rows = new Rows(DataSource);
        Observed = new Observed(DataSource);
        Protocol = new WorkerProtocol(new ProtocolDatabase(DataSource), TimeProvider.System);
        Commands = new JobCommands(DataSource, Microsoft.Extensions.Options.Options.Create(new JobPlatform.Api.Identity.TenancyOptions()));
        Reconciliation = new Reconciliation(DataSource);
    }

    public string Name { get; }
    public NpgsqlDataSource DataSource { get; }
    public Rows Rows { get; }
    public Observed Observed { get; }
    public WorkerProtocol Protocol { get; }
    public JobCommands Commands { get; }
    public Reconciliation Reconciliation { get; }

    /// <summary>A fresh copy of the migrated schema on the server of the graph's <c>jobsdb</c>.</summary>
    public static async Task<StoreDatabase> CreateAsync(JobPlatformFixture fixture)
    {
        var server = fixture.App.GetConnectionString("jobsdb")!;
        await EnsureTemplateAsync(server);
        var name = $"lifecycle_{Guid.NewGuid():N}";
        await ExecuteAsync(server, $"CREATE DATABASE {name} TEMPLATE {Template}");
        return new StoreDatabase(server, name);
    }

    /// <summary>
    /// Another transaction that locks <paramref name="taskIds"/> (<c>SELECT ... FOR UPDATE</c>) and
    /// holds them until released: whatever starts meanwhile and needs those rows queues behind it.
    /// </summary>
    public Task<HeldLock> LockTasksAsync(params Guid[] taskIds) => HeldLock.TakeAsync(DataSource, "tasks", taskIds);

    /// <summary>Holds the job rows <paramref name="jobIds"/> locked, as <see cref="LockTasksAsync"/> does tasks.</summary>
    public Task<HeldLock> LockJobsAsync(params Guid[] jobIds) => HeldLock.TakeAsync(DataSource, "jobs", jobIds);

    /// <summary>Waits until <paramref name="count"/> sessions on this database wait for a lock.</summary>
    public Task WaitForLockWaitersAsync(int count) =>
        Eventually.Until(
            async () =>
            {
                await using var command = DataSource.CreateCommand(
                    "SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
                return (int)(await command.ExecuteScalarAsync())!;
            },
            waiting => waiting >= count, TimeSpan.FromSeconds(30), waiting => $"{waiting} of {count} sessions wait for a lock");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Observed.AssertInvariantsAsync();
        }
        finally
        {
            await DataSource.DisposeAsync();
            await ExecuteAsync(_serverConnectionString, $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
        }
    }

    // The template is migrated once per test run, then left without connections: a database
    // can be copied only from a template no session is using.
    private static async Task EnsureTemplateAsync(string server)
    {
        await TemplateGate.WaitAsync();
        try
        {
            if (_templateMigrated)
            {
                return;
            }
            await ExecuteAsync(server, $"CREATE DATABASE {Template}");
            var options = new DbContextOptionsBuilder<JobsDbContext>()
                .UseNpgsql(On(server, Template))
                .UseSnakeCaseNamingConvention()
                .Options;
            await using (var db = new JobsDbContext(options, new CurrentTenant(new HttpContextAccessor())))
            {
                await db.Database.MigrateAsync();
            }
            NpgsqlConnection.ClearAllPools();
            _templateMigrated = true;
        }
        finally
        {
            TemplateGate.Release();
        }
    }

    private static string On(string server, string database) =>
        new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;

    private static async Task ExecuteAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>Rows locked by a transaction of the test's own, until <see cref="ReleaseAsync"/> commits it.</summary>
public sealed class HeldLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private bool _released;

    private HeldLock(NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        (_connection, _transaction) = (connection, transaction);

    internal static async Task<HeldLock> TakeAsync(NpgsqlDataSource dataSource, string table, Guid[] ids)
    {
        var connection = await dataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand($"SELECT id FROM {table} WHERE id = ANY(@ids) ORDER BY id FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("ids", ids);
        await command.ExecuteNonQueryAsync();
        return new HeldLock(connection, transaction);
    }

    /// <summary>Commits without having changed anything: the waiters go on in the order they queued.</summary>
    public async Task ReleaseAsync()
    {
        if (!_released)
        {
            _released = true;
            await _transaction.CommitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
