namespace JobPlatform.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline, instead of sleeping a fixed time.</summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, Func<T?, string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        T? last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }
            await Task.Delay(PollInterval);
        }
        throw new TimeoutException($"Condition not met within {timeout}: {describe(last)}");
    }
}
