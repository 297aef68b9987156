using System.Net;
using System.Text;
using System.Text.Json;

namespace JobPlatform.Client;

/// <summary>
/// The Api refused a call: its problem document (RFC 9457), with the fields a validation problem
/// names. <see cref="Exception.Message"/> reads as one line for people.
/// </summary>
public sealed class JobPlatformApiException(
    HttpStatusCode statusCode,
    string title,
    string? detail,
    IReadOnlyDictionary<string, string[]> errors,
    string? type = null,
    TimeSpan? retryAfter = null,
    string? traceId = null)
    : Exception(Describe(statusCode, title, detail, errors))
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>The problem's title, or the status's reason when the answer was not a problem document.</summary>
    public string Title { get; } = title;

    public string? Detail { get; } = detail;

    /// <summary>What was wrong with each field, for a 400 validation problem; empty otherwise.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    public string? Type { get; } = type;

    /// <summary>The Api's Retry-After, on a 429 or 503 that retries did not get past.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>The request's trace id, to find it in the Api's logs and traces.</summary>
    public string? TraceId { get; } = traceId;

    /// <summary>Reads a failed answer into an exception; a body that is not a problem document becomes the detail.</summary>
    public static async Task<JobPlatformApiException> FromResponseAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => (TimeSpan?)null,
        };
        var title = response.ReasonPhrase ?? response.StatusCode.ToString();
        string? detail = string.IsNullOrWhiteSpace(body) ? null : body.Trim();
        string? type = null, traceId = null;
        var errors = new Dictionary<string, string[]>();
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.ValueKind == JsonValueKind.Object)
            {
                var root = problem.RootElement;
                title = Text(root, "title") ?? title;
                detail = Text(root, "detail");
                type = Text(root, "type");
                traceId = Text(root, "traceId");
                if (root.TryGetProperty("errors", out var fields) && fields.ValueKind == JsonValueKind.Object)
                {
                    foreach (var field in fields.EnumerateObject())
                    {
                        errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                            ? field.Value.EnumerateArray().Select(e => e.ToString()).ToArray()
                            : [field.Value.ToString()];
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's page, say): the body stays the detail.
        }
        return new JobPlatformApiException(response.StatusCode, title, detail, errors, type, retryAfter, traceId);
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Describe(HttpStatusCode status, string title, string? detail, IReadOnlyDictionary<string, string[]> errors)
    {
        var text = new StringBuilder($"{(int)status} {title}");
        if (!string.IsNullOrWhiteSpace(detail))
        {
            text.Append(' ').Append(detail);
        }
        foreach (var (field, messages) in errors)
        {
            text.Append(' ').Append(field).Append(": ").Append(string.Join(" ", messages));
        }
        return text.ToString();
    }
}
