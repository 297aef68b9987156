namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// The lifecycle's one lock order: task rows before job rows, each in id order. Claims, reports,
/// the relay, cancel, retry, the reconciler and the drainer all lock more than one row, and every
/// one of them takes its rows through these two statements, so no two transactions can wait on
/// each other in a cycle. Statements that skip locked rows (<c>FOR UPDATE SKIP LOCKED</c>) never
/// wait, and need no order.
/// </summary>
internal static class LockOrder
{
    /// <summary>Locks the tasks that match <paramref name="where"/> in id order, selecting <paramref name="columns"/>.</summary>
    public static string Tasks(string where, string columns = "id") =>
        $"SELECT {columns} FROM tasks WHERE {where} ORDER BY id FOR UPDATE";

    /// <summary>Locks the jobs that match <paramref name="where"/> in id order, after their tasks.</summary>
    public static string Jobs(string where, string columns = "id") =>
        $"SELECT {columns} FROM jobs WHERE {where} ORDER BY id FOR UPDATE";
}
