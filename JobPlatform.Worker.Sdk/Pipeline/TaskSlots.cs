using Microsoft.Extensions.Options;

namespace JobPlatform.Worker.Sdk.Pipeline;

/// <summary>
/// The tasks this worker runs at once: <see cref="WorkerOptions.MaxConcurrency"/> slots. A receive
/// takes slots before it asks SQS for that many messages, and each message received holds its slot
/// until the pipeline is done with it (<see cref="ReceivedMessage.Done"/>), whichever step that is.
/// </summary>
internal sealed class TaskSlots(IOptions<WorkerOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _free = new(options.Value.MaxConcurrency);
    private readonly CancellationTokenSource _drainExpired = new();

    /// <summary>Slots held by received messages.</summary>
    private int _held;

    public int Capacity { get; } = options.Value.MaxConcurrency;

    /// <summary>Slots held by received messages not done with yet: being claimed, run, reported or settled.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Whether messages received here are not done with yet (so slots will free up soon).</summary>
    public bool AnyHeld => Held > 0;

    /// <summary>Fires when the worker is stopping and its running tasks' time to finish has run out.</summary>
    public CancellationToken DrainExpired => _drainExpired.Token;

    /// <summary>Waits for one free slot, then takes up to <paramref name="most"/> of those free now.</summary>
    public Task<SlotLease> TakeAsync(int most, CancellationToken ct) => SlotLease.TakeAsync(_free, most, ct);

    /// <summary>Turns a receive's slots into slots held by its messages, one each.</summary>
    public IReadOnlyList<ReceivedMessage> Hold(SlotLease lease, IReadOnlyList<Amazon.SQS.Model.Message> messages, string queueUrl)
    {
        lease.KeepAtMost(messages.Count);
        Interlocked.Add(ref _held, lease.Count);
        return messages.Select(m => new ReceivedMessage(m, queueUrl, this)).ToList();
    }

    /// <summary>A message is done with: its slot is free.</summary>
    internal void Free()
    {
        Interlocked.Decrement(ref _held);
        _free.Release();
    }

    /// <summary>
    /// Lets running tasks finish for <paramref name="timeout"/>, then fires <see cref="DrainExpired"/>
    /// so they are given back; returns when every slot is free or <paramref name="ct"/> fires.
    /// </summary>
    public async Task DrainAsync(TimeSpan timeout, CancellationToken ct)
    {
        _drainExpired.CancelAfter(timeout);
        while (_free.CurrentCount < Capacity && !ct.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
        }
    }

    public void Dispose()
    {
        _drainExpired.Dispose();
        _free.Dispose();
    }
}
