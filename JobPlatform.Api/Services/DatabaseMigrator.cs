using JobPlatform.Api.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace JobPlatform.Api.Services;

/// <summary>Applies EF Core migrations at start-up, one Api replica at a time.</summary>
public static class DatabaseMigrator
{
    /// <summary>The command-line switch that makes the Api apply migrations and exit, without serving.</summary>
    public const string MigrateOnlyArgument = "--migrate-only";

    public static async Task MigrateDatabaseAsync(this WebApplication app, CancellationToken ct = default)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var dataSource = scope.ServiceProvider.GetRequiredService<NpgsqlDataSource>();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseMigrator));

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // Every replica takes the same session lock, so only one migrates at once and the others find
        // the work done.
        await AdvisoryLocks.TakeAsync(connection, AdvisoryLocks.Migration, 0, ct);
        try
        {
            // MigrateAsync creates the history table first; asking for pending migrations before it
            // exists would log a failed query on every fresh database.
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await db.Database.MigrateAsync(ct);
            logger.LogInformation("Database schema is up to date ({Elapsed} ms)", (int)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            await AdvisoryLocks.ReleaseAsync(connection, AdvisoryLocks.Migration, 0);
        }
    }
}
