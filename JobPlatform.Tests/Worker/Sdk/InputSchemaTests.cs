using System.Text.Json.Nodes;
using JobPlatform.Worker.Handlers;
using JobPlatform.Worker.Sdk.Handlers;

namespace JobPlatform.Tests.Worker.Sdk;

/// <summary>The input schema a handler's registration sends the Api, generated from its C# input type.</summary>
public sealed class InputSchemaTests
{
    [Fact]
    public void ARecordsSchema_NamesItsFieldsInCamelCase_WithTheirTypesBoundsAndDescriptions_AndRequiresWhatTheTypeRequires()
    {
        var schema = TaskJson.SchemaOf<DigestInput>();

        Assert.Equal("object", schema["type"]!.GetValue<string>());
        Assert.False(schema["additionalProperties"]!.GetValue<bool>());
        Assert.Equal(["text"], schema["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        var text = schema["properties"]!["text"]!;
        Assert.Equal("string", text["type"]!.GetValue<string>());
        Assert.Equal("The text to digest.", text["description"]!.GetValue<string>());
        var rounds = schema["properties"]!["rounds"]!;
        Assert.Equal((1.0, 1_000.0), (rounds["minimum"]!.GetValue<double>(), rounds["maximum"]!.GetValue<double>()));
        Assert.Equal(1, rounds["default"]!.GetValue<int>());
    }

    [Fact]
    public void AHandlerOfAnyObject_AcceptsAnyObject()
    {
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["type"] = "object" }, TaskJson.SchemaOf<JsonObject>()));
    }
}
