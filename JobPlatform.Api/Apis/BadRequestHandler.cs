using Microsoft.AspNetCore.Diagnostics;

namespace JobPlatform.Api.Apis;

/// <summary>
/// A request the framework could not read (a route or query value of the wrong type, a body that is
/// not JSON for an endpoint that binds one) is the client's mistake: 400 as problem details, with the
/// framework's message naming the parameter, never a 500.
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
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = "The request could not be read.",
                Detail = $"{bad.Message} See the API reference at /scalar/v1.",
            },
        });
    }
}
