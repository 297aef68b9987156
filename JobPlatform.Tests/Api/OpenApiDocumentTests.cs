using System.Text.Json.Nodes;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

/// <summary>
/// The console's wire types are generated from a committed copy of the Api's OpenAPI document, so
/// the copy must be the document the Api serves. Set JOBPLATFORM_UPDATE_OPENAPI=1 to rewrite it.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class OpenApiDocumentTests(JobPlatformFixture fixture)
{
    public const string UpdateVariable = "JOBPLATFORM_UPDATE_OPENAPI";

    [Fact]
    public async Task CommittedDocument_MatchesTheOneTheApiServes()
    {
        var served = JsonNode.Parse(await fixture.Api.GetStringAsync("/openapi/v1.json"))!.AsObject();
        // The server address is the test Api's random port: not part of the contract.
        served.Remove("servers");
        var text = served.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";

        var path = Path.Combine(RepositoryRoot(), "JobPlatform.Web", "openapi", "jobplatform-v1.json");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(path, text);
        }
        var committed = File.Exists(path) ? await File.ReadAllTextAsync(path) : "(missing)";
        Assert.True(committed == text,
            $"{path} differs from the Api's /openapi/v1.json. Run `{UpdateVariable}=1 dotnet test --filter {nameof(OpenApiDocumentTests)}`, then `npm run gen:api` in JobPlatform.Web, and commit both.");
    }

    [Fact]
    public async Task ApiReference_IsServed()
    {
        using var response = await fixture.Api.GetAsync("/scalar/v1");
        response.EnsureSuccessStatusCode();
        Assert.Contains("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "JobPlatform.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("JobPlatform.sln not found above the test binaries.");
    }
}
