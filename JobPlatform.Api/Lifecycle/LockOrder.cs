namespace JobPlatform.Api.Lifecycle;

/// <summary>
/// The lifecycle's one lock order: task rows before job rows, each in id order. Claims, reports,
/// the relay, cancel, retry, the reconciler and the drainer all lock more than one row, and every
/// one of them takes its rows through these two statements, so no two transactions can wait on
/// each other in a cycle. Statements that skip locked rows (<c>FOR UPDATE SKIP LOCKED</c>) never
/// wait, and need no order. A transaction locks its job rows in one statement: one that went on to
/// lock more jobs after it (as a reconciler pass once did, counting a dead letter in one job and
/// then cancelling another job's leftovers) would hold a higher id while waiting for a lower one.
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
