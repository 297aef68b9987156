using JobPlatform.Contracts;
using Npgsql;

namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// The JobPlatform queues in use (see <see cref="QueueNames"/>): each is a set of SQS queues, one per
/// priority, which the reconciler and the metrics look at.
/// </summary>
public sealed class QueueDirectory(NpgsqlDataSource dataSource)
{
    /// <summary>The queues of unfinished jobs: the only ones a task's message can be waiting in. Always holds <c>default</c>.</summary>
    public Task<IReadOnlyList<string>> InUseAsync(CancellationToken ct) =>
        ReadAsync("SELECT DISTINCT queue FROM jobs WHERE finished_tasks < task_count", ct);

    /// <summary>
    /// Every queue a task may travel on now or soon: <c>default</c>, the registered types' queues,
    /// the live workers' and the unfinished jobs'.
    /// </summary>
    public Task<IReadOnlyList<string>> KnownAsync(CancellationToken ct) =>
        ReadAsync(
            $"""
            SELECT queue FROM task_types
            UNION SELECT unnest(queues) FROM workers WHERE stopped_at IS NULL AND last_heartbeat_at > now() - interval '{(int)Apis.WorkersApi.GoneAfter.TotalSeconds} seconds'
            UNION SELECT DISTINCT queue FROM jobs WHERE finished_tasks < task_count
            """, ct);

    private async Task<IReadOnlyList<string>> ReadAsync(string sql, CancellationToken ct)
    {
        var queues = new SortedSet<string>(StringComparer.Ordinal) { QueueNames.Default };
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            queues.Add(reader.GetString(0));
        }
        return [.. queues];
    }
}
