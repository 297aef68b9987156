using System.Text.Json.Nodes;
using JobPlatform.Worker.Sdk;
using JobPlatform.Worker.Sdk.Handlers;

namespace JobPlatform.Tests.Worker.Sdk;

/// <summary>How a task's JSON input reaches a typed handler, and its typed result comes back as JSON.</summary>
public sealed class TaskJsonTests
{
    private sealed record Resize(int Width = 640, string Format = "png", Crop? Crop = null);

    private sealed record Crop(int Top, int Left);

    private sealed record Named
    {
        public required string Name { get; init; }
    }

    [Fact]
    public void Input_FieldsLeftOut_TakeTheRecordsDefaults()
    {
        var input = TaskJson.ReadInput<Resize>(new JsonObject { ["format"] = "webp" });

        Assert.Equal(new Resize(640, "webp"), input);
    }

    [Fact]
    public void Input_IsReadWithTheWebDefaults_CamelCaseOrAnyCase_AndUnknownFieldsIgnored()
    {
        var input = TaskJson.ReadInput<Resize>(new JsonObject { ["WIDTH"] = 10, ["crop"] = new JsonObject { ["top"] = 1, ["left"] = 2 }, ["other"] = true });

        Assert.Equal(new Resize(10, "png", new Crop(1, 2)), input);
    }

    [Fact]
    public void Input_AsAJsonObject_IsTheInputAsItCame()
    {
        var sent = new JsonObject { ["anything"] = new JsonArray(1, 2) };

        Assert.Same(sent, TaskJson.ReadInput<JsonObject>(sent));
        Assert.Same(sent, TaskJson.ReadInput<JsonNode>(sent));
    }

    [Fact]
    public void Input_WithAFieldOfTheWrongKind_FailsTheTaskForGood_NamingTheFieldAndTheProblem()
    {
        var error = Assert.Throws<NonRetryableTaskException>(() => TaskJson.ReadInput<Resize>(new JsonObject { ["width"] = "wide" }));

        Assert.StartsWith("The task's input field 'width' cannot be read: ", error.Message);
        Assert.Contains("The JSON value could not be converted", error.Message);
        // Positions in a text nobody sent are left out.
        Assert.DoesNotContain("LineNumber", error.Message);
    }

    [Fact]
    public void Input_WithANestedFieldOfTheWrongKind_NamesItsPath()
    {
        var error = Assert.Throws<NonRetryableTaskException>(() =>
            TaskJson.ReadInput<Resize>(new JsonObject { ["crop"] = new JsonObject { ["top"] = 1.5, ["left"] = 0 } }));

        Assert.StartsWith("The task's input field 'crop.top' cannot be read: ", error.Message);
    }

    [Fact]
    public void Input_MissingARequiredField_FailsTheTaskForGood_NamingIt()
    {
        var error = Assert.Throws<NonRetryableTaskException>(() => TaskJson.ReadInput<Named>(new JsonObject()));

        Assert.StartsWith("The task's input cannot be read: ", error.Message);
        Assert.Contains("'name'", error.Message);
    }

    [Fact]
    public void Result_IsWrittenWithTheWebDefaults()
    {
        var result = TaskJson.WriteResult(new Resize(10, "webp"));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"width":10,"format":"webp","crop":null}"""), result), result?.ToJsonString());
    }

    [Fact]
    public void Result_NullStaysNull_AndAValueIsJson()
    {
        Assert.Null(TaskJson.WriteResult<JsonNode?>(null));
        Assert.Null(TaskJson.WriteResult<Resize?>(null));
        Assert.Equal(42, TaskJson.WriteResult(42)!.GetValue<int>());
    }

    [Fact]
    public void Result_AsAJsonNode_GoesAsItIs_UnlessItBelongsToAnotherNode()
    {
        var alone = new JsonObject { ["a"] = 1 };
        var inner = new JsonObject { ["b"] = 2 };
        _ = new JsonObject { ["inner"] = inner };

        Assert.Same(alone, TaskJson.WriteResult(alone));
        var copied = TaskJson.WriteResult(inner);
        Assert.NotSame(inner, copied);
        Assert.True(JsonNode.DeepEquals(inner, copied));
    }
}
