using System.Globalization;
using System.Text.RegularExpressions;
using JobPlatform.Contracts;
using JobPlatform.Tests.Infrastructure;

namespace JobPlatform.Tests.ServiceDefaults;

/// <summary>/metrics on the Api and on each worker: Prometheus text that moves while jobs run.</summary>
[Collection(GraphCollection.Name)]
public sealed partial class MetricsTests(JobPlatformFixture fixture)
{
    [Fact]
    public async Task ApiAndWorkerMetrics_ParseAsPrometheusText_AndCountTheTasksOfAJob()
    {
        using var http = new HttpClient();
        var apiBefore = Parse(await fixture.Api.GetStringAsync("/metrics"));
        var submittedBefore = Sum(apiBefore, "jobplatform_tasks_submitted_total");
        var succeededBefore = Sum(apiBefore, "jobplatform_tasks_finished_total", "status=\"succeeded\"");

        var job = await fixture.Api.SubmitAsync(new { name = "metrics", type = "sleep", taskCount = 40, parameters = new { ms = 5 } });
        Assert.Equal(JobStatus.Completed, (await fixture.Api.WaitForFinalAsync(job.Id)).Status);

        // The exporter caches a scrape for a moment, so read until the job's figures are in.
        var api = await Eventually.Until(async () => Parse(await fixture.Api.GetStringAsync("/metrics")),
            samples => Sum(samples, "jobplatform_tasks_submitted_total") - submittedBefore >= 40
                && Sum(samples, "jobplatform_tasks_finished_total", "status=\"succeeded\"") - succeededBefore >= 40,
            TimeSpan.FromSeconds(10), samples => $"submitted moved by {Sum(samples!, "jobplatform_tasks_submitted_total") - submittedBefore}");
        Assert.Equal(40, Sum(api, "jobplatform_tasks_submitted_total") - submittedBefore);
        // Other tests' late retries may finish meanwhile: at least this job's 40.
        Assert.True(Sum(api, "jobplatform_tasks_finished_total", "status=\"succeeded\"") - succeededBefore >= 40);
        Assert.Contains(api, s => s.Name.StartsWith("http_server_request_duration_seconds", StringComparison.Ordinal));

        // Sampled every 5 s: the queues and the outbox appear once the sampler has run.
        var sampled = await Eventually.Until(async () => Parse(await fixture.Api.GetStringAsync("/metrics")),
            samples => samples.Any(s => s.Name == "jobplatform_queue_messages" && s.Labels.Contains("jobplatform-tasks-dlq")),
            TimeSpan.FromSeconds(15), _ => "no jobplatform_queue_messages sample for the dead-letter queue");
        Assert.Contains(sampled, s => s.Name == "jobplatform_outbox_backlog");

        var workers = new List<Sample>();
        foreach (var replica in fixture.App.GetResource("worker").Replicas)
        {
            // A replica an earlier test crashed may still be restarting: wait for it to answer.
            workers.AddRange(await Eventually.Until(async () =>
                {
                    try
                    {
                        return Parse(await http.GetStringAsync(new Uri(replica.Url!, "/metrics")));
                    }
                    catch (HttpRequestException)
                    {
                        return null;
                    }
                },
                samples => samples is not null, TimeSpan.FromSeconds(30), _ => $"{replica.Name} did not answer /metrics") ?? []);
        }
        Assert.True(Sum(workers, "jobplatform_task_duration_seconds_count", "task_type=\"sleep\"") >= 40);
        Assert.Contains(workers, s => s.Name == "jobplatform_worker_tasks_running");
        // Each received message's wait in its queue, from SQS's SentTimestamp.
        Assert.True(Sum(workers, "jobplatform_queue_message_age_seconds_count", "queue=\"jobplatform-tasks\"") >= 40);
        // What each SQS receive and delete carried: the job's 40 messages came in through receives
        // and leave through batched deletes (sent a moment after the reports, nobody waits for them).
        Assert.True(Sum(workers, "jobplatform_worker_receive_messages_sum", "queue=\"jobplatform-tasks\"") >= 40);
        Assert.True(Sum(workers, "jobplatform_worker_receive_messages_count", "queue=\"jobplatform-tasks\"") >= 1);
        var deleted = await Eventually.Until(async () =>
            {
                var total = 0.0;
                foreach (var replica in fixture.App.GetResource("worker").Replicas)
                {
                    total += Sum(Parse(await http.GetStringAsync(new Uri(replica.Url!, "/metrics"))), "jobplatform_worker_delete_messages_sum", "queue=\"jobplatform-tasks\"");
                }
                return total;
            },
            total => total >= 40, TimeSpan.FromSeconds(10), total => $"the workers deleted {total} messages");
        Assert.True(deleted >= 40);
    }

    private sealed record Sample(string Name, string Labels, double Value);

    /// <summary>Reads Prometheus text format, failing on any line that is not a comment or a sample.</summary>
    private static List<Sample> Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches(@"^# (HELP|TYPE|EOF)", line);
                continue;
            }
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a Prometheus sample: {line}");
            var value = match.Groups["value"].Value;
            samples.Add(new Sample(match.Groups["name"].Value, match.Groups["labels"].Value,
                value switch { "+Inf" => double.PositiveInfinity, "-Inf" => double.NegativeInfinity, "NaN" => double.NaN, _ => double.Parse(value, CultureInfo.InvariantCulture) }));
        }
        return samples;
    }

    private static double Sum(IEnumerable<Sample> samples, string name, string? label = null) =>
        samples.Where(s => s.Name == name && (label is null || s.Labels.Contains(label))).Sum(s => s.Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>[-+]?(\d+(\.\d+)?([eE][-+]?\d+)?|Inf|NaN))( \d+)?$")]
    private static partial Regex SampleLine();
}
