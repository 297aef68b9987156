using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace JobPlatform.Api.Apis;

/// <summary>
/// A request the framework could not read (a route or query value of the wrong type, a body that is
/// not JSON for an endpoint that binds one, a body field the Api does not know) is the client's
/// mistake: 400 as problem details, with the framework's message naming the parameter and, for a
/// body, <c>errors</c> naming the field, never a 500.
/// </summary>
public sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        context.Response.StatusCode = bad.StatusCode;
        var problem = new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = "The request could not be read.",
                Detail = $"{bad.Message} See the API reference at /scalar/v1.",
            },
        };
        // System.Text.Json names the field it could not read or did not know, and says why.
        if (bad.InnerException is JsonException { Path: { Length: > 1 } path } json)
        {
            problem.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]>
            {
                [path.TrimStart('$', '.')] = [json.Message.Split(" Path:")[0]],
            };
        }
        await problems.WriteForAnyClientAsync(problem);
        return true;
    }
}
