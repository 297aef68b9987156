using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using JobPlatform.Contracts;

namespace JobPlatform.Client;

public sealed partial class JobPlatformClient
{
    /// <summary>
    /// The job as it changes, until it is final (completed, failed or cancelled): first as it is now,
    /// then each change the Api's event stream (GET /api/v1/events) sends. While the stream is down the
    /// job is polled every <see cref="JobPlatformClientOptions.PollInterval"/>, and the stream is opened
    /// again after <see cref="JobPlatformClientOptions.ReconnectAfter"/>; no change that ends the job is
    /// missed either way, since each (re)connection reads the job once after it subscribes. An Api that
    /// cannot answer for a while (after each call's retries) only delays the next change; the first
    /// read, and refusals such as a deleted job, throw <see cref="JobPlatformApiException"/>.
    /// </summary>
    public async IAsyncEnumerable<JobResponse> WatchAsync(Guid jobId, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var current = await GetJobAsync(jobId, ct);
        yield return current;
        while (!IsFinal(current))
        {
            // Follow the event stream for as long as it holds.
            var events = await OpenEventsAsync(jobId, ct);
            if (events is not null)
            {
                await using (events)
                {
                    // Subscribed: read the job once, so a change made before the subscription is not missed.
                    var read = await TryGetJobAsync(jobId, ct);
                    if (read is not null && Changed(current, read))
                    {
                        yield return current = read;
                    }
                    while (!IsFinal(current))
                    {
                        SseItem<string> item;
                        try
                        {
                            if (!await events.MoveNextAsync())
                            {
                                break;
                            }
                            item = events.Current;
                        }
                        catch (Exception e) when (IsDrop(e, ct))
                        {
                            break;
                        }
                        var next = item.EventType switch
                        {
                            "job" => JsonSerializer.Deserialize<JobResponse>(item.Data, JobPlatformJson.Options),
                            "resync" => await TryGetJobAsync(jobId, ct),
                            _ => null,
                        };
                        if (next is not null && next.Id == jobId && Changed(current, next))
                        {
                            yield return current = next;
                        }
                    }
                }
            }

            // The stream dropped (or could not open): poll for a while, then try it again.
            var reconnectAt = DateTimeOffset.UtcNow + Options.ReconnectAfter;
            while (!IsFinal(current) && DateTimeOffset.UtcNow < reconnectAt)
            {
                await Task.Delay(Options.PollInterval, ct);
                var polled = await TryGetJobAsync(jobId, ct);
                if (polled is not null && Changed(current, polled))
                {
                    yield return current = polled;
                }
            }
        }
    }

    /// <summary>Waits until the job is final, following it as <see cref="WatchAsync"/> does, and returns it.</summary>
    public async Task<JobResponse> WaitAsync(Guid jobId, CancellationToken ct = default)
    {
        JobResponse? last = null;
        await foreach (var job in WatchAsync(jobId, ct))
        {
            last = job;
        }
        return last!;
    }

    public static bool IsFinal(JobResponse job) => JobStatus.Final.Contains(job.Status);

    /// <summary>The job's event stream, subscribed (its answer's headers arrived); null when it could not be opened.</summary>
    private async Task<IAsyncEnumerator<SseItem<string>>?> OpenEventsAsync(Guid jobId, CancellationToken ct)
    {
        HttpResponseMessage? response = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/events?jobId={jobId}");
            request.Headers.Accept.ParseAdd("text/event-stream");
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                await EnsureSuccessAsync(response, ct);
            }
            if (!response.IsSuccessStatusCode)
            {
                // Too many streams open, say: polling does the job as well.
                response.Dispose();
                return null;
            }
            var stream = await response.Content.ReadAsStreamAsync(ct);
            return new OwningEnumerator(SseParser.Create(stream).EnumerateAsync(ct).GetAsyncEnumerator(ct), response);
        }
        catch (Exception e) when (IsDrop(e, ct))
        {
            response?.Dispose();
            return null;
        }
    }

    /// <summary>
    /// The job, or null while the Api cannot answer (down, overloaded, unreachable) after the call's
    /// own retries: a watch outlasts an outage of any length, polling on. A refusal that will not
    /// pass by waiting (the job deleted, the key revoked) still throws.
    /// </summary>
    private async Task<JobResponse?> TryGetJobAsync(Guid jobId, CancellationToken ct)
    {
        try
        {
            return await GetJobAsync(jobId, ct);
        }
        catch (Exception e) when (IsDrop(e, ct) || e is JobPlatformApiException { StatusCode: >= System.Net.HttpStatusCode.InternalServerError or System.Net.HttpStatusCode.TooManyRequests or System.Net.HttpStatusCode.RequestTimeout })
        {
            return null;
        }
    }

    private static bool IsDrop(Exception e, CancellationToken ct) =>
        e is IOException or HttpRequestException or Polly.Timeout.TimeoutRejectedException
        || (e is OperationCanceledException && !ct.IsCancellationRequested);

    /// <summary>
    /// Whether <paramref name="after"/> is news: a later change of the job, or the same state of the job
    /// with more of its tasks finished. An event the stream held since before the last read is not.
    /// </summary>
    private static bool Changed(JobResponse before, JobResponse after) =>
        after.UpdatedAt > before.UpdatedAt
        || (after.UpdatedAt == before.UpdatedAt && after.Status == before.Status && after.Counts != before.Counts && Finished(after.Counts) >= Finished(before.Counts));

    private static int Finished(TaskCounts c) => c.Succeeded + c.Failed + c.DeadLettered + c.Cancelled;

    /// <summary>The stream's enumerator, which disposes the answer it reads with it.</summary>
    private sealed class OwningEnumerator(IAsyncEnumerator<SseItem<string>> inner, HttpResponseMessage response) : IAsyncEnumerator<SseItem<string>>
    {
        public SseItem<string> Current => inner.Current;

        public ValueTask<bool> MoveNextAsync() => inner.MoveNextAsync();

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            response.Dispose();
        }
    }
}
