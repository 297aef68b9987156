using System.Diagnostics;
using System.Threading.Channels;

namespace JobPlatform.Worker.Sdk;

/// <summary>
/// Turns many concurrent single calls into a few batched ones, the way a database groups commits:
/// callers wait on their own item; each of <c>concurrency</c> loops takes everything waiting (up to
/// <c>maxBatch</c>) and sends it at once. Idle, an item goes out alone and at once; under load, batches
/// grow by themselves while the previous one is in flight. Nothing is delayed to wait for company,
/// unless the batcher is given a linger (for work nobody waits on, such as message deletes).
/// Given a span name, each batch's call runs in a span of the first caller's trace, linked from the
/// other callers' traces, so the call shows where each of them waited for it.
/// </summary>
internal sealed class Batcher<TItem, TResult> : IAsyncDisposable
{
    private readonly Channel<(TItem Item, ActivityContext Trace, TaskCompletionSource<TResult> Done)> _waiting =
        Channel.CreateUnbounded<(TItem, ActivityContext, TaskCompletionSource<TResult>)>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> _send;
    private readonly int _maxBatch;
    private readonly string? _spanName;
    private readonly TimeSpan _linger;
    private readonly Task[] _loops;

    /// <param name="send">Sends one batch and returns one result per item, in order. Its exception fails every item of the batch.</param>
    /// <param name="spanName">The name of each batch's span (JobPlatform's ActivitySource); null for none.</param>
    /// <param name="linger">
    /// How long a batch that is not full may wait for more items before it goes. Zero (the default)
    /// for callers who wait on the result; work nobody waits for can trade a little delay for fuller
    /// batches.
    /// </param>
    public Batcher(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> send, int maxBatch, int concurrency, string? spanName = null, TimeSpan linger = default)
    {
        _spanName = spanName;
        _linger = linger;
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        _send = send;
        _maxBatch = maxBatch;
        // The loops outlive whoever happened to create the batcher: they must not inherit its
        // ExecutionContext, or every batch would run inside that caller's trace span.
        using (ExecutionContext.SuppressFlow())
        {
            _loops = Enumerable.Range(0, concurrency).Select(_ => Task.Run(LoopAsync)).ToArray();
        }
    }

    public Task<TResult> SendAsync(TItem item)
    {
        var done = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_waiting.Writer.TryWrite((item, Activity.Current?.Context ?? default, done)))
        {
            throw new ObjectDisposedException(nameof(Batcher<TItem, TResult>));
        }
        return done.Task;
    }

    private async Task LoopAsync()
    {
        var batch = new List<(TItem Item, ActivityContext Trace, TaskCompletionSource<TResult> Done)>(_maxBatch);
        while (await _waiting.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _maxBatch && _waiting.Reader.TryRead(out var waiting))
            {
                batch.Add(waiting);
            }
            if (batch.Count == 0)
            {
                continue;
            }
            if (batch.Count < _maxBatch && _linger > TimeSpan.Zero)
            {
                await FillAsync(batch);
            }
            using var span = StartSpan(batch);
            try
            {
                var results = await _send(batch.Select(b => b.Item).ToList());
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(results[i]);
                }
            }
            catch (Exception ex)
            {
                span?.SetStatus(ActivityStatusCode.Error, ex.Message);
                foreach (var (_, _, done) in batch)
                {
                    done.TrySetException(ex);
                }
            }
        }
    }

    /// <summary>Adds items as they arrive until the batch is full or the linger has passed.</summary>
    private async Task FillAsync(List<(TItem Item, ActivityContext Trace, TaskCompletionSource<TResult> Done)> batch)
    {
        var deadline = Task.Delay(_linger);
        while (batch.Count < _maxBatch)
        {
            if (_waiting.Reader.TryRead(out var waiting))
            {
                batch.Add(waiting);
                continue;
            }
            var more = _waiting.Reader.WaitToReadAsync().AsTask();
            if (await Task.WhenAny(more, deadline) == deadline || !await more)
            {
                return;
            }
        }
    }

    private Activity? StartSpan(List<(TItem Item, ActivityContext Trace, TaskCompletionSource<TResult> Done)> batch)
    {
        if (_spanName is null)
        {
            return null;
        }
        var first = batch[0].Trace;
        var span = TaskTracing.Source.StartActivity(_spanName, ActivityKind.Internal, first,
            links: batch.Skip(1).Select(b => b.Trace).Where(t => t != default && t != first).Distinct().Select(t => new ActivityLink(t)));
        span?.SetTag("jobplatform.batch.size", batch.Count);
        return span;
    }

    /// <summary>Sends what is still waiting, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _waiting.Writer.TryComplete();
        await Task.WhenAll(_loops);
    }
}
