using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace JobPlatform.Api.Apis;

/// <summary>Problem answers written outside an endpoint's result: by authentication, the rate limiter and exception handlers.</summary>
public static class ProblemResponses
{
    /// <summary>
    /// Writes <paramref name="context"/>'s problem whatever the request accepts. The problem details
    /// service writes only for a client that accepts JSON, and otherwise throws (<c>WriteAsync</c>:
    /// a 500 with no body) or gives up (<c>TryWriteAsync</c>: a status with no body); a browser's
    /// EventSource asks for text/event-stream only. As ASP.NET Core's own problem result does, this
    /// then writes application/problem+json itself.
    /// </summary>
    public static async Task WriteForAnyClientAsync(this IProblemDetailsService problems, ProblemDetailsContext context)
    {
        if (await problems.TryWriteAsync(context))
        {
            return;
        }
        var http = context.HttpContext;
        context.ProblemDetails.Extensions.TryAdd("traceId", Activity.Current?.Id ?? http.TraceIdentifier);
        var json = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        await http.Response.WriteAsJsonAsync(context.ProblemDetails, json, "application/problem+json", http.RequestAborted);
    }
}
