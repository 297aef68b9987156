namespace JobPlatform.AppHost.Hosting;

/// <summary>Polls a health probe until it passes, the process dies, or time runs out.</summary>
internal static class HealthWaiter
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public static async Task WaitAsync(string name, SupervisedProcess process, Func<CancellationToken, Task<bool>> probe, TimeSpan timeout, ResourceLog log, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        while (true)
        {
            if (process.ExitedDuringStartup.IsCompleted)
            {
                throw new ResourceStartException(name,
                    $"exited with code {process.ExitedDuringStartup.Result} before it was healthy. Its last output:{Environment.NewLine}{log.Recent(name)}");
            }
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                attempt.CancelAfter(ProbeTimeout);
                if (await probe(attempt.Token))
                {
                    process.MarkHealthy();
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or Npgsql.NpgsqlException or System.Net.Sockets.SocketException or Amazon.Runtime.AmazonClientException or Amazon.Runtime.AmazonServiceException)
            {
                // Not up yet.
            }
            ct.ThrowIfCancellationRequested();
            if (deadline.IsCancellationRequested)
            {
                throw new ResourceStartException(name,
                    $"was not healthy within {timeout.TotalSeconds:0} s. Its last output:{Environment.NewLine}{log.Recent(name)}");
            }
            try
            {
                await Task.Delay(PollInterval, deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
        }
    }

    public static async Task<bool> HttpOkAsync(Uri url, CancellationToken ct)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(url, ct);
        return response.IsSuccessStatusCode;
    }
}

/// <summary>A resource did not start; the message says which and quotes its output.</summary>
public sealed class ResourceStartException(string resource, string message) : Exception($"'{resource}' {message}")
{
    public string Resource { get; } = resource;
}
