using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace JobPlatform.Api.Apis;

/// <summary>
/// Turns "PostgreSQL cannot be reached" into 503 with Retry-After, as RFC 9457 problem details and
/// never a stack trace: the client's request was fine and can simply be sent again.
/// </summary>
public sealed class DependencyUnavailableHandler(IProblemDetailsService problems, ILogger<DependencyUnavailableHandler> logger) : IExceptionHandler
{
    /// <summary>How long clients are asked to wait before trying again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsDatabaseUnavailable(exception))
        {
            return false;
        }
        var collided = FindPostgresError(exception) is { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure };
        logger.LogWarning("The database {Problem} ({Error}); answering 503", collided ? "aborted a colliding transaction" : "is unreachable", exception.GetBaseException().Message);
        if (!collided)
        {
            // A restarted PostgreSQL leaves every idle pooled connection broken, each failing its next
            // command (Npgsql does not clear the pool itself): one such failure drops them all, so
            // the requests after it (workers' claims and reports among them) open fresh ones.
            NpgsqlConnection.ClearAllPools();
        }
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await problems.WriteForAnyClientAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The service is temporarily unavailable.",
                Detail = collided
                    ? $"The request collided with a concurrent change and was rolled back. Nothing was changed; retry in {RetryAfter.TotalSeconds:0} s."
                    : $"The database cannot be reached right now. Nothing was changed; retry in {RetryAfter.TotalSeconds:0} s.",
            },
        });
        return true;
    }

    private static PostgresException? FindPostgresError(Exception? exception) => exception switch
    {
        null => null,
        PostgresException postgres => postgres,
        _ => FindPostgresError(exception.InnerException),
    };

    private static bool IsDatabaseUnavailable(Exception exception) => exception switch
    {
        NpgsqlException { IsTransient: true } => true,
        NpgsqlException { InnerException: System.Net.Sockets.SocketException or IOException or TimeoutException } => true,
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" } => true, // admin shutdown, crash shutdown, cannot connect now
        { InnerException: { } inner } => IsDatabaseUnavailable(inner),
        _ => false,
    };
}
