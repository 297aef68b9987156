using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using JobPlatform.Tests.Kubernetes;

namespace JobPlatform.Tests.Cli;

/// <summary>jp as a user's scripts run it: its own process against the test graph, stdout redirected (so plain), exit codes read.</summary>
[Collection(GraphCollection.Name)]
public sealed class CliTests(JobPlatformFixture fixture) : IDisposable
{
    private static readonly string Jp = Path.Combine(RenderedOverlay.RepositoryRoot, "JobPlatform.Cli", "bin", RenderedOverlay.BuildConfiguration, "net10.0", "jp.dll");

    /// <summary>An empty folder to run in, with no AppHost data above it, holding jp's profile.</summary>
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("jp-test-");

    [Fact]
    public async Task Submit_Watch_Job_AndResults_PrintWhatScriptsRead()
    {
        var submitted = await JpAsync("submit", "echo", "--tasks", "3", "-p", "greeting=hi", "-p", "rounds=2", "--name", "cli-echo");
        Assert.Equal(0, submitted.ExitCode);
        var id = Guid.Parse(submitted.StandardOutput.Trim());

        var watched = await JpAsync("watch", id.ToString());
        Assert.Equal(0, watched.ExitCode);
        Assert.Contains($"Job {id} completed: 3 succeeded, 0 failed", watched.StandardOutput);

        var updates = (await JpAsync("watch", id.ToString(), "--json")).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonSerializer.Deserialize<JobResponse>(l, JobsClient.Json)!).ToList();
        Assert.Equal((id, JobStatus.Completed), (updates[^1].Id, updates[^1].Status));

        var json = await JpAsync("job", id.ToString(), "--json");
        var job = JsonSerializer.Deserialize<JobResponse>(json.StandardOutput, JobsClient.Json)!;
        Assert.Equal((id, "cli-echo", JobStatus.Completed, 3), (job.Id, job.Name, job.Status, job.Counts.Succeeded));
        Assert.Equal(2, job.Parameters["rounds"]!.GetValue<int>());

        var plain = await JpAsync("job", id.ToString());
        Assert.Contains("status: completed", plain.StandardOutput);
        Assert.Contains("tasks: 3: 3 succeeded", plain.StandardOutput);

        var results = await JpAsync("results", id.ToString());
        Assert.Equal(0, results.ExitCode);
        var lines = results.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<TaskResultLine>(l, JobsClient.Json)!).ToList();
        Assert.Equal([0, 1, 2], lines.Select(l => l.Index));
        Assert.All(lines, l => Assert.Equal("hi", l.Result!["greeting"]!.GetValue<string>()));

        var list = await JpAsync("jobs", "--name", "cli-echo", "-n", "500");
        var rows = list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("ID\tNAME\tTYPE\tSTATUS\tDONE\tTASKS\tFAILED\tCREATED", rows[0]);
        Assert.Contains(rows, r => r.StartsWith($"{id}\tcli-echo\techo\tcompleted\t3\t3\t0\t", StringComparison.Ordinal));
        var listed = JsonSerializer.Deserialize<List<JobResponse>>((await JpAsync("jobs", "--name", "cli-echo", "--json")).StandardOutput, JobsClient.Json)!;
        Assert.Contains(listed, j => j.Id == id);
    }

    [Fact]
    public async Task AFailedJob_ExitsOne_AndItsFailuresAreNamed()
    {
        var run = await JpAsync("submit", "fail", "-t", "2", "-p", "probability=1", "--max-attempts", "1", "--wait");

        Assert.Equal(1, run.ExitCode);
        var id = Guid.Parse(run.StandardOutput.Split('\n')[0].Trim());
        Assert.Contains($"Job {id} failed: 0 succeeded, 2 failed", run.StandardOutput);
        Assert.Contains("Failed tasks:", run.StandardOutput);
        Assert.Contains("#1 failed after 1 attempt: InvalidOperationException", run.StandardOutput);

        var failed = await JpAsync("tasks", id.ToString(), "--failed", "--json");
        Assert.Equal(0, failed.ExitCode);
        var tasks = JsonSerializer.Deserialize<List<TaskResponse>>(failed.StandardOutput, JobsClient.Json)!;
        Assert.Equal([0, 1], tasks.Select(t => t.Index));
        Assert.All(tasks, t => Assert.Equal(JobTaskStatus.Failed, t.Status));

        var across = await JpAsync("tasks", "--failed", "-n", "500");
        Assert.Equal("TASK\tJOB\tINDEX\tSTATUS\tATTEMPTS\tWORKER\tERROR", across.StandardOutput.Split('\n')[0]);
        Assert.Contains(across.StandardOutput.Split('\n'), l => l.StartsWith($"{tasks[0].Id}\tfail\t0\tfailed\t1\t", StringComparison.Ordinal));

        var retried = await JpAsync("retry", id.ToString());
        Assert.Equal(0, retried.ExitCode);
        Assert.Contains($"Job {id} is running again.", retried.StandardOutput);
        Assert.Equal(1, (await JpAsync("watch", id.ToString())).ExitCode);
    }

    [Fact]
    public async Task Cancel_EndsTheJob_AndItsWatchExitsOne()
    {
        var id = (await JpAsync("submit", "sleep", "-t", "3", "-p", "ms=60000")).StandardOutput.Trim();

        var cancelled = await JpAsync("cancel", id, "--json");
        Assert.Equal(0, cancelled.ExitCode);
        Assert.Equal(JobStatus.Cancelled, JsonSerializer.Deserialize<JobResponse>(cancelled.StandardOutput, JobsClient.Json)!.Status);

        var watched = await JpAsync("watch", id);
        Assert.Equal(1, watched.ExitCode);
        Assert.Contains($"Job {id} cancelled", watched.StandardOutput);
    }

    [Fact]
    public async Task InputsFromAFile_AreTheTasks()
    {
        var file = Path.Combine(_home.FullName, "inputs.ndjson");
        await File.WriteAllLinesAsync(file, ["{\"text\":\"a\"}", "{\"text\":\"bb\"}", "{\"text\":\"ccc\"}"]);

        var submitted = await JpAsync("submit", "digest", "--inputs", file, "--json");
        var job = JsonSerializer.Deserialize<JobResponse>(submitted.StandardOutput, JobsClient.Json)!;
        Assert.Equal(("digest", 3), (job.Type, job.TaskCount));
        var run = await JpAsync("watch", job.Id.ToString());

        Assert.Equal(0, run.ExitCode);
        var id = job.Id.ToString();
        var lengths = (await JpAsync("results", id)).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonSerializer.Deserialize<TaskResultLine>(l, JobsClient.Json)!.Result!["length"]!.GetValue<int>());
        Assert.Equal([1, 2, 3], lengths);
    }

    [Theory]
    [InlineData(new[] { "submit", "echo" }, "--tasks N")]
    [InlineData(new[] { "submit", "echo", "-t", "1", "-p", "novalue" }, "is not key=value")]
    [InlineData(new[] { "submit", "echo", "-t", "1", "--inputs", "x.ndjson" }, "not both")]
    [InlineData(new[] { "bogus" }, "Unrecognized command or argument 'bogus'")]
    [InlineData(new[] { "job", "not-a-guid" }, "Cannot parse argument 'not-a-guid'")]
    [InlineData(new[] { "jobs", "--limit", "0" }, "--limit must be at least 1")]
    [InlineData(new[] { "tasks", "--status", "lost" }, "Unknown task status 'lost'")]
    [InlineData(new string[0], "Required command was not provided")]
    public async Task ABadCommandLine_ExitsTwo_WithAMessage(string[] args, string message)
    {
        var run = await JpAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.StandardError);
        Assert.DoesNotContain("   at ", run.StandardError);
    }

    [Fact]
    public async Task WhatTheApiRefuses_ExitsThree_WithItsProblem()
    {
        var unknown = await JpAsync("submit", "no-such-type", "-t", "1");
        Assert.Equal(3, unknown.ExitCode);
        Assert.Contains("jp: 400 The job is not valid.", unknown.StandardError);
        Assert.Contains("type: Unknown task type 'no-such-type'", unknown.StandardError);

        var missing = Guid.NewGuid();
        var notFound = await JpAsync("job", missing.ToString());
        Assert.Equal(3, notFound.ExitCode);
        Assert.Contains("jp: 404", notFound.StandardError);
        Assert.Contains(missing.ToString(), notFound.StandardError);

        var refused = await JpAsync(["jobs"], key: "jp_not-a-real-key");
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("jp: 401", refused.StandardError);

        var unreachable = await JpAsync("jobs", "--url", "http://127.0.0.1:9");
        Assert.Equal(3, unreachable.ExitCode);
        Assert.Contains("cannot reach the Api at http://127.0.0.1:9/", unreachable.StandardError);
        Assert.DoesNotContain("   at ", unreachable.StandardError);
    }

    [Fact]
    public async Task AnAdministrator_MakesATenantAndKey_WhichLoginSaves_AndRevokeEnds()
    {
        var tenant = $"cli-{Guid.NewGuid():N}"[..16];
        Assert.Equal(0, (await AdminAsync("tenants", "create", tenant, "--name", "From jp")).ExitCode);
        Assert.Contains($"{tenant}\tFrom jp\t", (await AdminAsync("tenants")).StandardOutput);
        var key = (await AdminAsync("keys", "create", tenant, "--name", "cli")).StandardOutput.Trim();
        Assert.StartsWith(TenantRules.KeyPrefix, key);
        var keys = JsonSerializer.Deserialize<List<ApiKeyResponse>>((await AdminAsync("keys", "list", tenant, "--json")).StandardOutput, JobsClient.Json)!;
        var issued = Assert.Single(keys);

        var url = fixture.App.GetEndpoint("api").ToString();
        var login = await JpAsync(["login", "--url", url, "--key", key], key: null);
        Assert.Equal(0, login.ExitCode);
        Assert.Contains($"as tenant {tenant}", login.StandardOutput);
        // From now on the profile is the credential: no --key, no JOBPLATFORM_KEY.
        var listed = await JpAsync(["jobs"], key: null, url: null);
        Assert.Equal(0, listed.ExitCode);
        Assert.Equal("ID\tNAME\tTYPE\tSTATUS\tDONE\tTASKS\tFAILED\tCREATED", listed.StandardOutput.Trim());

        Assert.Equal(0, (await AdminAsync("keys", "revoke", tenant, issued.Id.ToString())).ExitCode);
        var revoked = await Eventually.Until(() => JpAsync(["jobs"], key: null, url: null), r => r.ExitCode == 3, TimeSpan.FromSeconds(30), r => $"exit {r?.ExitCode}");
        Assert.Contains("jp: 401", revoked.StandardError);
    }

    [Fact]
    public async Task UnderTheAppHost_jpFindsTheDevelopmentTenant_ByItself()
    {
        // The AppHost writes the development tenant's key to .jobplatform/ at the repository's root;
        // jp looks for it in the folder it runs in and the ones above.
        var data = Directory.CreateDirectory(Path.Combine(_home.FullName, ".jobplatform"));
        await File.WriteAllTextAsync(Path.Combine(data.FullName, "dev-tenant.key"), fixture.App.GetSecret("dev-tenant") + "\n");
        var below = Directory.CreateDirectory(Path.Combine(_home.FullName, "src", "service"));

        var run = await JpAsync(["submit", "noop", "-t", "1", "--wait"], key: null, workingDirectory: below.FullName);

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("completed: 1 succeeded", run.StandardOutput);
    }

    private Task<BufferedCommandResult> JpAsync(params string[] args) => JpAsync(args, key: fixture.App.GetSecret("dev-tenant"));

    private Task<BufferedCommandResult> AdminAsync(params string[] args) => JpAsync(args, key: null, adminKey: fixture.App.GetSecret("admin-key"));

    private async Task<BufferedCommandResult> JpAsync(string[] args, string? key, string? adminKey = null, string? url = "", string? workingDirectory = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await CliWrap.Cli.Wrap("dotnet")
            .WithArguments([Jp, .. args])
            .WithWorkingDirectory(workingDirectory ?? _home.FullName)
            .WithEnvironmentVariables(env => env
                .Set("JOBPLATFORM_URL", url == "" ? fixture.App.GetEndpoint("api").ToString() : url)
                .Set("JOBPLATFORM_KEY", key)
                .Set("JOBPLATFORM_ADMIN_KEY", adminKey)
                .Set("JOBPLATFORM_CONFIG_DIR", _home.FullName))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(timeout.Token);
    }

    public void Dispose() => _home.Delete(recursive: true);
}
