using System.Collections.Concurrent;
using System.Net;

namespace JobPlatform.Bench.Soak;

/// <summary>How a request to the Api ended, as the soak counts it.</summary>
public enum RequestOutcome
{
    /// <summary>Any 2xx.</summary>
    Ok,

    /// <summary>429: the tenant's own rate limit or quota, which the load meets on purpose.</summary>
    Throttled,

    /// <summary>409 to a submission: an earlier request with its Idempotency-Key is still in progress.</summary>
    InFlight,

    /// <summary>A 5xx, any other 4xx, or no answer (refused, reset, or timed out).</summary>
    Error,
}

/// <summary>One request: when it left and ended (on the soak's clock), what it was and how it ended.</summary>
public sealed record RequestRecord(string Route, TimeSpan Start, TimeSpan End, int? Status, RequestOutcome Outcome, string? Failure);

/// <summary>Every request the soak's load made, to count errors inside and outside fault windows.</summary>
public sealed class RequestLedger
{
    private readonly ConcurrentQueue<RequestRecord> _records = new();

    public IReadOnlyCollection<RequestRecord> Records => _records;

    public RequestRecord Add(string route, TimeSpan start, TimeSpan end, HttpStatusCode? status, string? failure = null)
    {
        var outcome = status switch
        {
            null => RequestOutcome.Error,
            HttpStatusCode.TooManyRequests => RequestOutcome.Throttled,
            HttpStatusCode.Conflict when route == SoakRoutes.Submit => RequestOutcome.InFlight,
            var code when (int)code is >= 200 and < 300 => RequestOutcome.Ok,
            _ => RequestOutcome.Error,
        };
        var record = new RequestRecord(route, start, end, status is { } s ? (int)s : null, outcome, failure);
        _records.Enqueue(record);
        return record;
    }

    /// <summary>
    /// Whether a request overlapped a fault's window, or the grace after it: a request that left just
    /// before a fault and hung through it is the fault's.
    /// </summary>
    public static bool InWindow(RequestRecord request, IEnumerable<FaultWindow> windows, TimeSpan grace) =>
        windows.Any(w => request.Start <= w.End + grace && request.End >= w.Start);
}

/// <summary>The routes the load calls, as the ledger names them.</summary>
public static class SoakRoutes
{
    public const string Submit = "POST /jobs";
    public const string Replay = "POST /jobs (replay)";
    public const string ListJobs = "GET /jobs";
    public const string GetJob = "GET /jobs/{id}";
    public const string ListJobTasks = "GET /jobs/{id}/tasks";
    public const string ListTasks = "GET /tasks";
    public const string Usage = "GET /tenants/me";
    public const string Events = "GET /events";
}
