using System.Globalization;
using System.Text.RegularExpressions;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JobPlatform.Tests.Worker;

/// <summary>
/// An Api that stalls: its process stopped (SIGSTOP), so every call connects and then waits out the
/// workers' HTTP timeouts, and the resilience pipeline throws its own exceptions (timeout rejected,
/// broken circuit) rather than an HttpRequestException. Every path of the worker must live through
/// that: claims, heartbeats, reports, presence.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed partial class StalledApiTests(JobPlatformFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task ApiStallingForFortySeconds_LeaksNoSlot_KeepsALongTaskOnOneAttempt_AndRestartsNoProcess()
    {
        var workers = fixture.App.GetResource("worker").Replicas;
        var api = fixture.App.GetResource("api").Replicas.Single();
        var processes = workers.Append(api).ToDictionary(r => r.Name, r => r.ProcessId);
        using var http = new HttpClient();
        var heldBefore = new List<double>();
        foreach (var worker in workers)
        {
            heldBefore.Add(await HeldSlotsAsync(http, worker));
            Assert.Equal(0, heldBefore[^1]);
        }

        var longTask = await fixture.Api.SubmitAsync(new { name = "stall-long", type = "sleep", taskCount = 1, parameters = new { ms = 90_000 } });
        await fixture.Api.WaitForJobAsync(longTask.Id, j => j.Counts.Running == 1);
        // Short tasks keep claims and reports in flight when the stall begins, and more arrive meanwhile.
        var shortTasks = await fixture.Api.SubmitAsync(new { name = "stall-short", type = "sleep", taskCount = 200, parameters = new { ms = 300 } });
        await fixture.Api.WaitForJobAsync(shortTasks.Id, j => j.Counts.Succeeded > 10);

        await api.PauseAsync();
        try
        {
            await Task.Delay(Stall);
        }
        finally
        {
            await api.ResumeAsync();
        }

        var shortDone = await fixture.Api.WaitForFinalAsync(shortTasks.Id, TimeSpan.FromMinutes(2));
        Assert.Equal(JobStatus.Completed, shortDone.Status);
        var longDone = await fixture.Api.WaitForFinalAsync(longTask.Id, TimeSpan.FromMinutes(2));
        Assert.Equal(JobStatus.Completed, longDone.Status);
        Assert.Equal(1, await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job", ("job", longTask.Id)));
        await fixture.AssertJobInvariantsAsync(longTask.Id);
        await fixture.AssertJobInvariantsAsync(shortTasks.Id);

        // Every slot came back: a message's slot is given up by whichever step ends its journey,
        // whatever the Api's pipeline threw at it.
        var heldAfter = new List<double>();
        foreach (var worker in workers)
        {
            heldAfter.Add(await Eventually.Until(() => HeldSlotsAsync(http, worker), held => held == 0, TimeSpan.FromSeconds(15),
                held => $"{worker.Name} still holds {held} slots after the stall"));
        }
        output.WriteLine($"slots held before the stall / after it: {string.Join(", ", workers.Select((w, i) => $"{w.Name} {heldBefore[i]} / {heldAfter[i]}"))}; " +
            $"the 90 s task: 1 attempt; {shortDone.Counts.Succeeded} of 200 short tasks succeeded");
        foreach (var replica in workers.Append(api))
        {
            Assert.True(replica.ProcessId == processes[replica.Name], $"{replica.Name} was process {processes[replica.Name]} before the stall and {replica.ProcessId} after it.");
        }
    }

    /// <summary>The worker's jobplatform.worker.slots.held gauge, read from its /metrics.</summary>
    private static async Task<double> HeldSlotsAsync(HttpClient http, JobPlatform.AppHost.Testing.GraphReplica worker)
    {
        var text = await http.GetStringAsync(new Uri(worker.Url!, "/metrics"));
        var match = HeldSlots().Match(text);
        Assert.True(match.Success, $"{worker.Name} exports no jobplatform_worker_slots_held");
        return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^jobplatform_worker_slots_held(\{[^}]*\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex HeldSlots();
}
