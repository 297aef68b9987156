using System.Text.Json.Nodes;
using JobPlatform.Contracts;

namespace JobPlatform.Tests.Contracts;

public sealed class TaskTypesTests
{
    [Fact]
    public void Normalize_FillsDefaults()
    {
        var (parameters, errors) = TaskTypes.Normalize(TaskTypes.Find("sleep")!, null);
        Assert.Empty(errors);
        Assert.Equal(100, parameters["ms"]!.GetValue<int>());
    }

    [Fact]
    public void Normalize_RejectsFractionsForWholeNumbers()
    {
        var (_, errors) = TaskTypes.Normalize(TaskTypes.Find("cpu")!, new JsonObject { ["iterations"] = 1.5 });
        Assert.Contains("parameters.iterations", errors.Keys);
    }

    [Fact]
    public void Normalize_ChecksEveryArrayItem()
    {
        var type = TaskTypes.Find("fail")!;
        Assert.Empty(TaskTypes.Normalize(type, new JsonObject { ["failOnAttempts"] = new JsonArray(1, 2) }).Errors);
        Assert.Contains("parameters.failOnAttempts", TaskTypes.Normalize(type, new JsonObject { ["failOnAttempts"] = new JsonArray(1, "two") }).Errors.Keys);
        Assert.Contains("parameters.failOnAttempts", TaskTypes.Normalize(type, new JsonObject { ["failOnAttempts"] = 1 }).Errors.Keys);
    }

    [Fact]
    public void Echo_AcceptsAnyParameters()
    {
        var (parameters, errors) = TaskTypes.Normalize(TaskTypes.Find("echo")!, new JsonObject { ["anything"] = "goes" });
        Assert.Empty(errors);
        Assert.Equal("goes", parameters["anything"]!.GetValue<string>());
    }

    [Fact]
    public void Find_IsCaseSensitive()
    {
        Assert.NotNull(TaskTypes.Find("noop"));
        Assert.Null(TaskTypes.Find("NOOP"));
    }
}
