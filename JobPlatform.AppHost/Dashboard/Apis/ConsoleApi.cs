using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace JobPlatform.AppHost.Dashboard.Apis;

public sealed record ConsoleResponse(string Resource, long LastSeq, IReadOnlyList<ConsoleLineResponse> Lines);

/// <param name="Replica">The process that printed the line, or <c>apphost</c>.</param>
public sealed record ConsoleLineResponse(long Seq, string Replica, DateTimeOffset Time, string Text);

internal static partial class ConsoleApi
{
    /// <summary>The most lines one call returns (the newest). Defaults to 1,000.</summary>
    public const int MaxLimit = 1_000;

    public static IEndpointRouteBuilder MapConsoleApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/console/{resource}", GetConsole).WithName("GetConsole")
            .WithSummary("Output lines of a resource's processes (or one replica's, or the AppHost's), after a line number, optionally only those containing q.");
        return app;
    }

    private static Results<Ok<ConsoleResponse>, ProblemHttpResult> GetConsole(
        string resource, [AsParameters] DashboardServices services, long after = 0, string? q = null, int limit = 500)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return TypedResults.Problem(title: "Invalid limit", detail: $"limit must be from 1 to {MaxLimit}.", statusCode: StatusCodes.Status400BadRequest);
        }
        if (services.Catalog.ConsoleSources(resource) is not { } sources)
        {
            return TypedResults.Problem(title: "No such resource", detail: $"'{resource}' is neither a resource, a replica, nor 'apphost'.", statusCode: StatusCodes.Status404NotFound);
        }
        var read = services.Log.Read(sources, after, string.IsNullOrEmpty(q) ? null : q, limit);
        return TypedResults.Ok(new ConsoleResponse(resource, read.LastSeq,
            [.. read.Lines.Select(l => new ConsoleLineResponse(l.Seq, l.Source, l.Time, AnsiEscape().Replace(l.Text, "")))]));
    }

    // Colour and cursor codes mean nothing in a browser.
    [GeneratedRegex(@"\x1B\[[0-9;?]*[A-Za-z]")]
    private static partial Regex AnsiEscape();
}
