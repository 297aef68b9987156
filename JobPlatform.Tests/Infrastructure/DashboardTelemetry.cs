using System.Text.Json;

namespace JobPlatform.Tests.Infrastructure;

/// <summary>
/// Spans and log records out of the Aspire dashboard's telemetry API, whose answers carry OTLP/JSON
/// (<c>{"data": {"resourceSpans": [...]}}</c>, <c>{"data": {"resourceLogs": [...]}}</c>).
/// </summary>
public static class DashboardTelemetry
{
    public sealed record Span(string TraceId, string SpanId, string? ParentSpanId, string Name, string Kind, string Service, string? Instance, string Status, Dictionary<string, string> Attributes)
    {
        public string? Attribute(string key) => Attributes.GetValueOrDefault(key);

        /// <summary>The route of a server span (ASP.NET Core's http.route), with a leading slash.</summary>
        public string? Route => Attribute("http.route") is { } route ? "/" + route.Trim('/') : null;
    }

    public sealed record LogRecord(string Service, string Message, string? TraceId, Dictionary<string, string> Attributes);

    // OTLP's SpanKind and StatusCode, by number.
    private static readonly string[] Kinds = ["unspecified", "internal", "server", "client", "producer", "consumer"];
    private static readonly string[] Statuses = ["unset", "ok", "error"];

    public static List<Span> Spans(JsonElement answer) =>
        [.. Resources(answer, "resourceSpans", "scopeSpans", "spans").Select(item => new Span(
            item.Record.GetProperty("traceId").GetString()!,
            item.Record.GetProperty("spanId").GetString()!,
            item.Record.TryGetProperty("parentSpanId", out var parent) && parent.GetString() is { Length: > 0 } p ? p : null,
            item.Record.GetProperty("name").GetString()!,
            Kinds[item.Record.TryGetProperty("kind", out var kind) ? kind.GetInt32() : 0],
            item.Service,
            item.Instance,
            Statuses[item.Record.TryGetProperty("status", out var status) && status.TryGetProperty("code", out var code) ? code.GetInt32() : 0],
            Attributes(item.Record)))];

    public static List<LogRecord> LogRecords(JsonElement answer) =>
        [.. Resources(answer, "resourceLogs", "scopeLogs", "logRecords").Select(item => new LogRecord(
            item.Service,
            item.Record.TryGetProperty("body", out var body) ? Value(body) : "",
            item.Record.TryGetProperty("traceId", out var trace) ? trace.GetString() : null,
            Attributes(item.Record)))];

    /// <summary>
    /// Every record with its service and instance. The instance is named as Aspire names the replica
    /// (<c>worker-abcdefgh</c>): its service name and <c>service.instance.id</c>.
    /// </summary>
    private static IEnumerable<(string Service, string? Instance, JsonElement Record)> Resources(JsonElement answer, string resources, string scopes, string records)
    {
        if (!answer.TryGetProperty("data", out var data) || !data.TryGetProperty(resources, out var list))
        {
            yield break;
        }
        foreach (var resource in list.EnumerateArray())
        {
            var attributes = resource.TryGetProperty("resource", out var r) ? Attributes(r) : [];
            var service = attributes.GetValueOrDefault("service.name") ?? "";
            var instance = attributes.GetValueOrDefault("service.instance.id") is { } id ? $"{service}-{id}" : null;
            foreach (var scope in resource.GetProperty(scopes).EnumerateArray())
            {
                foreach (var record in scope.GetProperty(records).EnumerateArray())
                {
                    yield return (service, instance, record);
                }
            }
        }
    }

    private static Dictionary<string, string> Attributes(JsonElement owner) =>
        owner.TryGetProperty("attributes", out var attributes)
            ? attributes.EnumerateArray().GroupBy(a => a.GetProperty("key").GetString()!).ToDictionary(a => a.Key, a => Value(a.First().GetProperty("value")))
            : [];

    // An OTLP AnyValue: {"stringValue": "x"}, {"intValue": "3"}, {"boolValue": true}, ...
    private static string Value(JsonElement value) =>
        value.ValueKind == JsonValueKind.Object && value.EnumerateObject().FirstOrDefault() is { Value: var inner } property && property.Name is not null
            ? inner.ValueKind == JsonValueKind.String ? inner.GetString()! : inner.ToString()
            : value.ToString();
}
