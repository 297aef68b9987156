using System.Text.Json.Nodes;
using JobPlatform.Worker.Handlers;
using JobPlatform.Worker.Sdk.Handlers;

namespace JobPlatform.Tests.Worker;

/// <summary>
/// The demo types' input schemas, which the worker registers and the Api checks every job of them
/// against: their defaults, bounds and the fields they refuse come from the input records alone.
/// </summary>
public sealed class BuiltInInputSchemaTests
{
    [Fact]
    public void Sleep_DefaultsTo100Ms_AndIsBoundedToAnHour()
    {
        var ms = TaskJson.SchemaOf<SleepInput>()["properties"]!["ms"]!;

        // A number the serializer also reads from a string (JsonSerializerOptions.Web): ["string", "integer"].
        Assert.Contains("integer", Types(ms));
        Assert.Equal(100, ms["default"]!.GetValue<int>());
        Assert.Equal((0.0, 3_600_000.0), (ms["minimum"]!.GetValue<double>(), ms["maximum"]!.GetValue<double>()));
        Assert.Equal("How long to wait, in milliseconds.", ms["description"]!.GetValue<string>());
    }

    [Fact]
    public void Fail_TakesAProbabilityBetween0And1_AndAListOfWholeAttemptNumbers()
    {
        var properties = TaskJson.SchemaOf<FailInput>()["properties"]!;

        Assert.Equal((0.0, 1.0), (properties["probability"]!["minimum"]!.GetValue<double>(), properties["probability"]!["maximum"]!.GetValue<double>()));
        Assert.Contains("integer", Types(properties["failOnAttempts"]!["items"]!));
    }

    [Fact]
    public void Noop_RefusesAnyField_AndEchoTakesAny()
    {
        var noop = TaskJson.SchemaOf<EmptyInput>();
        Assert.False(noop["additionalProperties"]!.GetValue<bool>());
        Assert.Empty(noop["properties"]?.AsObject() ?? []);

        Assert.True(JsonNode.DeepEquals(new JsonObject { ["type"] = "object" }, TaskJson.SchemaOf<JsonObject>()));
    }

    private static IEnumerable<string> Types(JsonNode schema) =>
        schema["type"] is JsonArray types ? types.Select(t => t!.GetValue<string>()) : [schema["type"]!.GetValue<string>()];
}
