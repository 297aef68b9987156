using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.Api;

/// <summary>
/// Storage is bounded: finished jobs go after their tenant's retention with every row they own,
/// idempotency keys after their window, a tenant's unfinished tasks are capped, results are capped,
/// and a finished job can be deleted by hand. Age is made by moving a row's times back in the
/// database; the pruner itself runs every second in the test graph.
/// </summary>
[Collection(GraphCollection.Name)]
public sealed class RetentionTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task ExpiredJobs_GoWithAllTheirRows_WhileUnfinishedAndRecentOnesStay()
    {
        using var tenant = await fixture.CreateTenantAsync(jobRetentionDays: 2);
        var expired = await tenant.Api.SubmitAsync(new { name = "expired", type = "noop", taskCount = 5 });
        // The threshold lets both tasks use both attempts: at 0, the first to fail cancels the other.
        var expiredFailed = await tenant.Api.SubmitAsync(new { name = "expired-failed", type = "fail", taskCount = 2, maxAttempts = 2, failureThreshold = 2 });
        var recent = await tenant.Api.SubmitAsync(new { name = "recent", type = "noop", taskCount = 3 });
        var unfinished = await tenant.Api.SubmitAsync(new { name = "unfinished", type = "sleep", taskCount = 2, parameters = new { ms = 60_000 } });
        // The development tenant keeps the default 30 days: three days old is young for it.
        var otherTenants = await fixture.Api.SubmitAsync(new { name = "default-retention", type = "noop", taskCount = 2 });
        await tenant.Api.WaitForFinalAsync(expired.Id);
        await tenant.Api.WaitForFinalAsync(expiredFailed.Id);
        await tenant.Api.WaitForFinalAsync(recent.Id);
        await fixture.Api.WaitForFinalAsync(otherTenants.Id);
        await tenant.Api.WaitForJobAsync(unfinished.Id, j => j.Counts.Running == 2);
        var meteredBefore = await PrunedJobsMeteredAsync();
        var expiredTasks = await TaskIdsAsync(expired.Id, expiredFailed.Id);
        Assert.True(await fixture.QueryScalarAsync<long>("SELECT count(*) FROM task_attempts WHERE task_id = ANY(@tasks)", ("tasks", expiredTasks)) >= 9);

        await AgeAsync("UPDATE jobs SET finished_at = now() - interval '3 days' WHERE id = ANY(@jobs)", expired.Id, expiredFailed.Id, otherTenants.Id);
        await AgeAsync("UPDATE jobs SET finished_at = now() - interval '1 day' WHERE id = ANY(@jobs)", recent.Id);
        await AgeAsync("UPDATE jobs SET created_at = now() - interval '10 days', updated_at = now() - interval '10 days' WHERE id = ANY(@jobs)", unfinished.Id);

        await Eventually.Until(() => StatusOfAsync(tenant.Api, expired.Id), status => status == HttpStatusCode.NotFound, TimeSpan.FromSeconds(30), s => $"the expired job is still {s}");
        await Eventually.Until(() => StatusOfAsync(tenant.Api, expiredFailed.Id), status => status == HttpStatusCode.NotFound, TimeSpan.FromSeconds(30), s => $"the expired failed job is still {s}");
        Assert.Equal(0, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM tasks WHERE id = ANY(@tasks)", ("tasks", expiredTasks)));
        Assert.Equal(0, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM task_attempts WHERE task_id = ANY(@tasks)", ("tasks", expiredTasks)));
        Assert.Equal(0, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE task_id = ANY(@tasks)", ("tasks", expiredTasks)));

        // What must stay stays, after more passes of the pruner: the metric has counted both expired
        // jobs, and the pruner works oldest first, so it has looked past them.
        await Eventually.Until(PrunedJobsMeteredAsync, metered => metered - meteredBefore >= 2, TimeSpan.FromSeconds(15),
            metered => $"jobplatform_pruned_total{{kind=\"jobs\"}} moved from {meteredBefore} to {metered}");
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(tenant.Api, recent.Id));
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(tenant.Api, unfinished.Id));
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(fixture.Api, otherTenants.Id));
        Assert.Equal(2, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM tasks WHERE job_id = @job AND status = 'running'", ("job", unfinished.Id)));

        Assert.Equal(HttpStatusCode.OK, (await tenant.Api.PostAsync($"/api/v1/jobs/{unfinished.Id}/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task RetryingAJobPastItsRetention_IsRefused_SoNothingReopensWhatThePrunerDeletes()
    {
        using var tenant = await fixture.CreateTenantAsync(jobRetentionDays: 1);
        var job = await tenant.Api.SubmitAsync(new { name = "expired-retry", type = "fail", taskCount = 1, maxAttempts = 1 });
        Assert.Equal(JobStatus.Failed, (await tenant.Api.WaitForFinalAsync(job.Id)).Status);
        // Hold the pruner's lock, as another Api replica pruning would, so the job waits for the retry.
        await using var pruning = await fixture.OpenDatabaseAsync();
        await using (var hold = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock({JobPlatform.Api.Data.AdvisoryLocks.Pruner}, 0)", pruning))
        {
            await hold.ExecuteNonQueryAsync();
        }
        await AgeAsync("UPDATE jobs SET finished_at = now() - interval '2 days' WHERE id = ANY(@jobs)", job.Id);

        using var retried = await tenant.Api.PostAsync($"/api/v1/jobs/{job.Id}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, retried.StatusCode);
        Assert.Contains("retention", await retried.Content.ReadAsStringAsync());
        Assert.Equal(JobStatus.Failed, (await tenant.Api.GetJobAsync(job.Id)).Status);
        // Deleting it by hand is still allowed; here the pruner does it once its lock is free.
        await using (var release = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_unlock({JobPlatform.Api.Data.AdvisoryLocks.Pruner}, 0)", pruning))
        {
            await release.ExecuteNonQueryAsync();
        }
        await Eventually.Until(() => StatusOfAsync(tenant.Api, job.Id), status => status == HttpStatusCode.NotFound, TimeSpan.FromSeconds(30), s => $"the job is still {s}");
    }

    [Fact]
    public async Task IdempotencyKey_ReplaysInsideItsWindow_AndMakesANewJobAfterIt()
    {
        var key = $"retention-{Guid.NewGuid():N}";
        var body = new { name = "idempotent-window", type = "noop", taskCount = 1 };
        using var first = await fixture.Api.PostJobAsync(body, key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var firstJob = (await first.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!;

        using var replay = await fixture.Api.PostJobAsync(body, key);
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(firstJob.Id, (await replay.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!.Id);

        await using (var connection = await fixture.OpenDatabaseAsync())
        await using (var age = new Npgsql.NpgsqlCommand("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = @key", connection))
        {
            age.Parameters.AddWithValue("key", key);
            Assert.Equal(1, await age.ExecuteNonQueryAsync());
        }

        // Whether the pruner took the old record first or not, the key is free again.
        using var after = await fixture.Api.PostJobAsync(body, key);
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        Assert.False(after.Headers.Contains("Idempotent-Replayed"));
        var secondJob = (await after.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!;
        Assert.NotEqual(firstJob.Id, secondJob.Id);
        using var replayOfSecond = await fixture.Api.PostJobAsync(body, key);
        Assert.Equal(secondJob.Id, (await replayOfSecond.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!.Id);
    }

    [Fact]
    public async Task UnfinishedTaskCap_Answers429_NamingTheLimitAndWhatIsInUse()
    {
        using var tenant = await fixture.CreateTenantAsync(maxUnfinishedTasks: 10);
        var running = await tenant.Api.SubmitAsync(new { name = "fills-the-cap", type = "sleep", taskCount = 8, parameters = new { ms = 60_000 } });

        using var refused = await tenant.Api.PostJobAsync(new { name = "too-many", type = "noop", taskCount = 5 });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 without Retry-After");
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("maxUnfinishedTasks", problem.RootElement.GetProperty("limit").GetString());
        Assert.Equal(8, problem.RootElement.GetProperty("inUse").GetInt64());
        Assert.Equal(10, problem.RootElement.GetProperty("maximum").GetInt32());
        Assert.Contains("maxUnfinishedTasks", problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal(1, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM jobs WHERE tenant_id = @tenant", ("tenant", tenant.Id)));

        // Up to the cap exactly fits; finished tasks no longer count.
        var fits = await tenant.Api.SubmitAsync(new { name = "fits", type = "sleep", taskCount = 2, parameters = new { ms = 60_000 } });
        Assert.Equal(HttpStatusCode.TooManyRequests, (await tenant.Api.PostJobAsync(new { name = "one-more", type = "noop", taskCount = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await tenant.Api.PostAsync($"/api/v1/jobs/{running.Id}/cancel", null)).StatusCode);
        var afterCancel = await tenant.Api.SubmitAsync(new { name = "after-cancel", type = "noop", taskCount = 5 });
        Assert.Equal(JobStatus.Completed, (await tenant.Api.WaitForFinalAsync(afterCancel.Id)).Status);
        var usage = (await tenant.Api.GetFromJsonAsync<TenantUsageResponse>("/api/v1/tenants/me", JobsClient.Json))!;
        Assert.Equal(2, usage.UnfinishedTasks);
        Assert.Equal(10, usage.Limits.MaxUnfinishedTasks);
        Assert.Equal(HttpStatusCode.OK, (await tenant.Api.PostAsync($"/api/v1/jobs/{fits.Id}/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task DeleteJob_RemovesAFinishedJobsRows_RefusesAnUnfinishedOne_AndKnowsNoOtherTenantsJob()
    {
        var finished = await fixture.Api.SubmitAsync(new { name = "to-delete", type = "noop", taskCount = 4 });
        await fixture.Api.WaitForFinalAsync(finished.Id);
        var tasks = await TaskIdsAsync(finished.Id);
        var unfinished = await fixture.Api.SubmitAsync(new { name = "not-yet", type = "sleep", taskCount = 1, parameters = new { ms = 60_000 } });
        using var stranger = await fixture.CreateTenantAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Api.DeleteAsync($"/api/v1/jobs/{finished.Id}")).StatusCode);
        using var refused = await fixture.Api.DeleteAsync($"/api/v1/jobs/{unfinished.Id}");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("cancel it first", await refused.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Api.DeleteAsync($"/api/v1/jobs/{finished.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(fixture.Api, finished.Id));
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Api.DeleteAsync($"/api/v1/jobs/{finished.Id}")).StatusCode);
        Assert.Equal(0, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM tasks WHERE id = ANY(@tasks)", ("tasks", tasks)));
        Assert.Equal(0, await fixture.QueryScalarAsync<long>("SELECT count(*) FROM task_attempts WHERE task_id = ANY(@tasks)", ("tasks", tasks)));

        Assert.Equal(HttpStatusCode.OK, (await fixture.Api.PostAsync($"/api/v1/jobs/{unfinished.Id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Api.DeleteAsync($"/api/v1/jobs/{unfinished.Id}")).StatusCode);
    }

    [Fact]
    public async Task AResultOverTheCap_OrWithANul_FailsItsAttemptForGood_WithAClearError()
    {
        var workers = fixture.WorkerPools;
        await workers.StopAsync();
        JobResponse job;
        List<Guid> tasks;
        try
        {
            job = await fixture.Api.SubmitAsync(new { name = "big-results", type = "echo", taskCount = 3, maxAttempts = 3 });
            tasks = (await fixture.Api.GetFromJsonAsync<PagedResponse<TaskResponse>>($"/api/v1/jobs/{job.Id}/tasks", JobsClient.Json))!.Items.Select(t => t.Id).ToList();
            await fixture.TakeTaskMessagesAsync();
            var attempts = tasks.Select(_ => Guid.NewGuid()).ToList();
            for (var i = 0; i < tasks.Count; i++)
            {
                await fixture.WorkerApi.ClaimGrantedAsync(tasks[i], attempts[i]);
            }
            var results = await fixture.WorkerApi.ReportAsync(
            [
                new TaskReport(tasks[0], attempts[0], TaskReportOutcome.Succeeded, Result: new JsonObject { ["blob"] = new string('x', JobLimits.MaxResultBytes) }),
                new TaskReport(tasks[1], attempts[1], TaskReportOutcome.Succeeded, Result: new JsonObject { ["text"] = "a\u0000b" }),
                new TaskReport(tasks[2], attempts[2], TaskReportOutcome.Succeeded, Result: new JsonObject { ["blob"] = new string('x', JobLimits.MaxResultBytes - 100) }),
            ]);
            Assert.Equal([JobTaskStatus.Failed, JobTaskStatus.Failed, JobTaskStatus.Succeeded], results.Select(r => r.Status));
        }
        finally
        {
            await workers.StartAsync();
        }

        var tooBig = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{tasks[0]}", JobsClient.Json))!;
        Assert.Equal(1, tooBig.AttemptCount);
        Assert.Contains($"the limit is {JobLimits.MaxResultBytes:N0}", tooBig.Error);
        Assert.Null(tooBig.Result);
        var withNul = (await fixture.Api.GetFromJsonAsync<TaskResponse>($"/api/v1/tasks/{tasks[1]}", JobsClient.Json))!;
        Assert.Contains("cannot be stored", withNul.Error);
        Assert.Equal(JobStatus.Failed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);
        await fixture.AssertJobInvariantsAsync(job.Id);
    }

    private async Task AgeAsync(string sql, params Guid[] jobs)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("jobs", jobs);
        Assert.Equal(jobs.Length, await command.ExecuteNonQueryAsync());
    }

    private async Task<Guid[]> TaskIdsAsync(params Guid[] jobs)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT id FROM tasks WHERE job_id = ANY(@jobs)", connection);
        command.Parameters.AddWithValue("jobs", jobs);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids.ToArray();
    }

    private static async Task<HttpStatusCode> StatusOfAsync(HttpClient api, Guid job)
    {
        using var response = await api.GetAsync($"/api/v1/jobs/{job}");
        return response.StatusCode;
    }

    private async Task<double> PrunedJobsMeteredAsync()
    {
        var text = await fixture.Api.GetStringAsync("/metrics");
        return text.Split('\n')
            .Where(line => line.StartsWith("jobplatform_pruned_total{", StringComparison.Ordinal) && line.Contains("kind=\"jobs\""))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
