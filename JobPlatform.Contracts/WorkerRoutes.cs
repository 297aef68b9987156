namespace JobPlatform.Contracts;

/// <summary>
/// The worker protocol's wire constants: its routes, batch limits and the problem field that carries
/// a task's status. The Api maps and enforces them; the workers call and obey them.
/// </summary>
public static class WorkerRoutes
{
    /// <summary>The group every task route of the protocol lives under.</summary>
    public const string Tasks = "/api/v1/tasks";

    /// <summary>POST, relative to <see cref="Tasks"/>: claim received tasks (<see cref="ClaimTasksRequest"/>).</summary>
    public const string Claims = "/claims";

    /// <summary>POST, relative to <see cref="Tasks"/>: report how attempts ended (<see cref="ReportTasksRequest"/>).</summary>
    public const string Reports = "/reports";

    /// <summary>POST, relative to <see cref="Tasks"/>: extend a running attempt's lease (<see cref="HeartbeatRequest"/>).</summary>
    public const string Heartbeat = "/{id:guid}/heartbeat";

    /// <summary>The most claims one <see cref="Claims"/> call may carry.</summary>
    public const int MaxClaimBatch = 100;

    /// <summary>The most reports one <see cref="Reports"/> call may carry.</summary>
    public const int MaxReportBatch = 1_000;

    /// <summary>The problem extension that carries the task's status on a 409.</summary>
    public const string TaskStatusExtension = "taskStatus";

    /// <summary>POST: a worker registers the task types it runs (<see cref="RegisterTaskTypesRequest"/>).</summary>
    public static string TaskTypesPath(string workerId) => $"/api/v1/workers/{Uri.EscapeDataString(workerId)}/task-types";

    public static string ClaimsPath => Tasks + Claims;

    public static string ReportsPath => Tasks + Reports;

    public static string HeartbeatPath(Guid taskId) => $"{Tasks}/{taskId}/heartbeat";
}
