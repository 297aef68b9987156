using System.Diagnostics;
using System.Net.Http.Json;
using JobPlatform.Contracts;

namespace JobPlatform.Tests.Infrastructure;

/// <summary>Jobs submitted inside a trace the test starts, as an instrumented caller would, so their spans can be found by its id.</summary>
public static class TracedJobs
{
    public sealed record Traced(JobResponse Job, string TraceId, string CallerSpanId);

    /// <summary>Posts <paramref name="body"/> with a fresh, sampled <c>traceparent</c>.</summary>
    public static async Task<Traced> SubmitTracedAsync(this HttpClient api, object body)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var callerSpanId = ActivitySpanId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = JsonContent.Create(body) };
        request.Headers.Add("traceparent", $"00-{traceId}-{callerSpanId}-01");
        using var response = await api.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return new Traced((await response.Content.ReadFromJsonAsync<JobResponse>(JobsClient.Json))!, traceId, callerSpanId);
    }

    /// <summary>A job of <paramref name="tasks"/> tasks whose first attempts fail and second succeed: every task has two attempts.</summary>
    public static object FailingOnce(string name, int tasks) =>
        new { name, type = TaskTypes.Fail, taskCount = tasks, maxAttempts = 2, parameters = new { failOnAttempts = new[] { 1 } } };
}
