using System.Net.Http.Json;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Worker;

[Collection(GraphCollection.Name)]
public sealed class ShutdownTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task SigtermedWorker_ReleasesItsRunningTasks_AndAnotherWorkerFinishesThem()
    {
        // Longer than the drain timeout (1 s in the test graph), and one attempt only: a release
        // must not use up the task's allowance.
        var submitted = await fixture.Api.SubmitAsync(new { name = "drain", type = "sleep", taskCount = 4, maxAttempts = 1, parameters = new { ms = 4_000 } });
        await fixture.Api.WaitForJobAsync(submitted.Id, job => job.Counts.Running == 4);
        var tasks = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{submitted.Id}/tasks", JobsClient.Json))!.Items;
        var victim = tasks[0].WorkerId!;
        var onVictim = tasks.Count(t => t.WorkerId == victim);

        await fixture.App.GetResource("worker").Replicas.Single(r => r.Name == victim).TerminateAsync();

        var job = await fixture.Api.WaitForFinalAsync(submitted.Id);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(4, job.Counts.Succeeded);
        var released = await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job AND a.outcome = 'released' AND a.worker_id = @worker",
            ("job", job.Id), ("worker", victim));
        Assert.Equal(onVictim, released);
        var open = await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM task_attempts a JOIN tasks t ON t.id = a.task_id WHERE t.job_id = @job AND a.ended_at IS NULL", ("job", job.Id));
        Assert.Equal(0, open);
        await fixture.AssertJobInvariantsAsync(job.Id);
    }
}
