using System.Data.Common;
using System.Security.Claims;
using System.Text.Json;
using JobPlatform.Api.Apis;
using JobPlatform.Api.Data;
using JobPlatform.Api.Identity;
using JobPlatform.Api.Services;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using JobPlatform.Tests.Lifecycle;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace JobPlatform.Tests.Api;

/// <summary>
/// What one tenant's reads cost does not grow with what other tenants store: the statements the Api
/// runs every second for watched jobs (<see cref="WatchedJobs"/>), for GET /tenants/me
/// (<see cref="TenantsApi.CountUsageAsync"/>) and for GET /tasks?status=
/// (<see cref="TasksApi.ListInStatusesAsync"/>) are captured as the Api's own code sends them, then
/// explained, with their parameters, on a database where another tenant has a million tasks.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class QueryPlanTests(JobPlatformFixture fixture)
{
    private const int OtherJobs = 10_000;
    private const int OtherTasksPerJob = 100;

    [Fact]
    public async Task TenantReads_ScanNoTasksTable_WhenAnotherTenantHasAMillionTasks()
    {
        await using var store = await StoreDatabase.CreateAsync(fixture);
        await InsertJobsAsync(store.DataSource, "busy", OtherJobs, OtherTasksPerJob);
        await InsertJobsAsync(store.DataSource, "quiet", jobs: 20, tasksPerJob: 20);
        await using (var analyze = store.DataSource.CreateCommand("ANALYZE tenants, jobs, tasks"))
        {
            await analyze.ExecuteNonQueryAsync();
        }
        Assert.Equal((long)OtherJobs * OtherTasksPerJob, await ScalarAsync<long>(store.DataSource, "SELECT count(*) FROM tasks WHERE tenant_id = 'busy'"));

        var statements = new StatementRecorder();
        await using var api = ApiDataSource(store);
        await using (var db = ContextFor(api, "quiet", statements))
        {
            // The broadcaster's reads for a console watching all of quiet's jobs.
            var watched = await WatchedJobs.MostRecentUnfinishedAsync(db, "quiet", new JobEventsOptions().MaxWatchedJobs, CancellationToken.None);
            Assert.NotEmpty(watched);
            Assert.All(await WatchedJobs.ReadAsync(db, watched, CancellationToken.None), job => Assert.Equal(14, job.Counts.Succeeded));
            // The console's header and its Failures page.
            var usage = await TenantsApi.CountUsageAsync(db, CancellationToken.None);
            Assert.True(usage.RunningTasks > 0 && usage.QueuedTasks > 0 && usage.UnfinishedJobs > 0, $"quiet's usage: {usage}");
            var failures = await TasksApi.ListInStatusesAsync(db, [JobTaskStatus.Failed, JobTaskStatus.DeadLettered], new Paging(1, 50), CancellationToken.None);
            Assert.True(failures.TotalCount > 0 && failures.Items.All(t => t.JobName is not null), $"quiet's failures: {failures.TotalCount}");
            await TasksApi.ListInStatusesAsync(db, [JobTaskStatus.Running], new Paging(2, 10), CancellationToken.None);
        }

        // 2 watched-job reads and the task counts, 3 usage counts, 2 statements per task list.
        Assert.True(statements.Captured.Count >= 8, $"{statements.Captured.Count} statements captured");
        var scans = new List<string>();
        foreach (var statement in statements.Captured)
        {
            var plan = await ExplainAsync(store.DataSource, statement);
            if (SequentialScans(plan.RootElement[0].GetProperty("Plan")).Contains("tasks"))
            {
                scans.Add($"{statement.Sql}\n{plan.RootElement.GetRawText()}");
            }
        }
        Assert.True(scans.Count == 0, $"{scans.Count} statements scan all of tasks:\n\n{string.Join("\n\n", scans)}");
    }

    /// <summary>
    /// <paramref name="jobs"/> jobs of <paramref name="tenant"/> with <paramref name="tasksPerJob"/> tasks
    /// each (a multiple of 20), in one statement per table, counters matching their tasks: nine jobs in
    /// ten completed, every tenth running with its tasks spread over every status but cancelled.
    /// </summary>
    private static async Task InsertJobsAsync(NpgsqlDataSource database, string tenant, int jobs, int tasksPerJob)
    {
        await using var batch = database.CreateBatch();
        batch.BatchCommands.Add(new("INSERT INTO tenants (id, name, created_at) VALUES (@tenant, @tenant, now())") { Parameters = { new("tenant", tenant) } });
        // Of each 20 tasks of a running job: 14 succeeded, 1 running, 1 enqueued, 1 pending, 1 retrying, 1 failed, 1 dead-lettered.
        batch.BatchCommands.Add(new(
            """
            INSERT INTO jobs (id, tenant_id, name, type, status, task_count, max_attempts, failure_threshold, parameters,
                              finished_tasks, failed_tasks, created_at, updated_at, started_at, finished_at)
            SELECT gen_random_uuid(), @tenant, 'plan-' || n, 'noop', CASE WHEN done THEN 'completed' ELSE 'running' END, @tasks, 3, 0, '{}',
                   CASE WHEN done THEN @tasks ELSE @tasks / 20 * 16 END, CASE WHEN done THEN 0 ELSE @tasks / 20 * 2 END,
                   now() - make_interval(secs => n), now(), now(), CASE WHEN done THEN now() END
            FROM generate_series(1, @jobs) n CROSS JOIN LATERAL (SELECT n % 10 <> 0 AS done) d
            """)
        {
            Parameters = { new("tenant", tenant), new("jobs", jobs), new("tasks", tasksPerJob) },
        });
        batch.BatchCommands.Add(new(
            """
            INSERT INTO tasks (id, job_id, tenant_id, "index", type, status, attempts, max_attempts, worker_id,
                               created_at, updated_at, started_at, finished_at)
            SELECT gen_random_uuid(), j.id, j.tenant_id, i, 'noop', s.status,
                   CASE WHEN s.status IN ('pending', 'enqueued') THEN 0 ELSE 1 END, 3, CASE WHEN s.status = 'running' THEN 'plan-worker' END,
                   j.created_at, now(), CASE WHEN s.status NOT IN ('pending', 'enqueued') THEN now() END,
                   CASE WHEN s.status IN ('succeeded', 'failed', 'dead_lettered') THEN now() END
            FROM jobs j CROSS JOIN generate_series(0, j.task_count - 1) i
            CROSS JOIN LATERAL (SELECT CASE WHEN j.status = 'completed' OR i % 20 < 14 THEN 'succeeded'
                                            ELSE (ARRAY['running', 'enqueued', 'pending', 'retrying', 'failed', 'dead_lettered'])[i % 20 - 13] END AS status) s
            WHERE j.tenant_id = @tenant
            """)
        {
            Parameters = { new("tenant", tenant) },
        });
        batch.Timeout = 600;
        await batch.ExecuteNonQueryAsync();
    }

    /// <summary>The store's database as the Api's main data source reaches its own.</summary>
    private NpgsqlDataSource ApiDataSource(StoreDatabase store)
    {
        var database = new NpgsqlConnectionStringBuilder(JobPlatform.Api.Extensions.Extensions.WithDefaults(fixture.App.GetConnectionString("jobsdb")!))
        {
            Database = store.Name,
        };
        return new NpgsqlDataSourceBuilder(database.ConnectionString).EnableDynamicJson().Build();
    }

    /// <summary>A context as a request of <paramref name="tenant"/> has it, recording what it sends.</summary>
    private static JobsDbContext ContextFor(NpgsqlDataSource database, string tenant, StatementRecorder statements)
    {
        var options = new DbContextOptionsBuilder<JobsDbContext>()
            .UseNpgsql(database)
            .UseSnakeCaseNamingConvention()
            .AddInterceptors(statements)
            .Options;
        var request = new HttpContextAccessor
        {
            HttpContext = new DefaultHttpContext { User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(JobPlatformClaims.TenantId, tenant)], "test")) },
        };
        return new JobsDbContext(options, new CurrentTenant(request));
    }

    private static async Task<JsonDocument> ExplainAsync(NpgsqlDataSource database, Statement statement)
    {
        await using var explain = database.CreateCommand($"EXPLAIN (FORMAT JSON) {statement.Sql}");
        foreach (var parameter in statement.Parameters)
        {
            explain.Parameters.Add(parameter.Clone());
        }
        return JsonDocument.Parse((string)(await explain.ExecuteScalarAsync())!);
    }

    /// <summary>The tables a plan reads with a sequential scan, at any depth.</summary>
    private static IEnumerable<string> SequentialScans(JsonElement node)
    {
        if (node.GetProperty("Node Type").GetString() == "Seq Scan")
        {
            yield return node.GetProperty("Relation Name").GetString()!;
        }
        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var table in children.EnumerateArray().SelectMany(SequentialScans))
            {
                yield return table;
            }
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private sealed record Statement(string Sql, IReadOnlyList<NpgsqlParameter> Parameters);

    /// <summary>Keeps every query EF sends, with copies of its parameters.</summary>
    private sealed class StatementRecorder : DbCommandInterceptor
    {
        public List<Statement> Captured { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken ct = default)
        {
            Captured.Add(new Statement(command.CommandText, command.Parameters.Cast<NpgsqlParameter>().Select(p => p.Clone()).ToList()));
            return base.ReaderExecutingAsync(command, eventData, result, ct);
        }
    }
}
