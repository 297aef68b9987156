using JobPlatform.Worker.Sdk;

namespace JobPlatform.Tests.Worker;

/// <summary>The group-commit batcher that claims, reports and deletes go through.</summary>
public sealed class BatcherTests
{
    [Fact]
    public async Task WithoutLinger_ALoneItemGoesAtOnce_AndItemsWaitingMeanwhileShareTheNextCall()
    {
        var calls = new List<int[]>();
        var firstCallEntered = new TaskCompletionSource();
        var releaseFirstCall = new TaskCompletionSource();
        await using var batcher = new Batcher<int, int>(async items =>
        {
            lock (calls)
            {
                calls.Add([.. items]);
            }
            if (items[0] == 1)
            {
                firstCallEntered.SetResult();
                await releaseFirstCall.Task;
            }
            return items.Select(i => i * 10).ToList();
        }, maxBatch: 10, concurrency: 1);

        var first = batcher.SendAsync(1);
        await firstCallEntered.Task;
        var waiting = Enumerable.Range(2, 4).Select(batcher.SendAsync).ToList();
        releaseFirstCall.SetResult();

        Assert.Equal(10, await first);
        Assert.Equal(new[] { 20, 30, 40, 50 }, await Task.WhenAll(waiting));
        Assert.Equal(new[] { new[] { 1 }, new[] { 2, 3, 4, 5 } }, calls);
    }

    [Fact]
    public async Task WithLinger_ItemsArrivingOneByOne_ShareOneCall()
    {
        var calls = new List<int[]>();
        // A long linger: the batch goes because it is full, not because time ran out.
        await using var batcher = new Batcher<int, int>(items =>
        {
            lock (calls)
            {
                calls.Add([.. items]);
            }
            return Task.FromResult<IReadOnlyList<int>>(items.ToList());
        }, maxBatch: 3, concurrency: 1, linger: TimeSpan.FromMinutes(1));

        var sent = new List<Task<int>>();
        for (var i = 1; i <= 3; i++)
        {
            sent.Add(batcher.SendAsync(i));
            await Task.Yield();
        }

        Assert.Equal(new[] { 1, 2, 3 }, await Task.WhenAll(sent));
        Assert.Equal(new[] { new[] { 1, 2, 3 } }, calls);
    }

    [Fact]
    public async Task WithLinger_ABatchThatDoesNotFill_GoesWhenTheLingerEnds()
    {
        await using var batcher = new Batcher<int, int>(
            items => Task.FromResult<IReadOnlyList<int>>(items.Select(i => -i).ToList()),
            maxBatch: 10, concurrency: 1, linger: TimeSpan.FromMilliseconds(20));
        Assert.Equal(-7, await batcher.SendAsync(7));
    }

    [Fact]
    public async Task AFailedCall_FailsEveryItemOfItsBatch()
    {
        await using var batcher = new Batcher<int, int>(_ => throw new InvalidOperationException("refused"), maxBatch: 10, concurrency: 1);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.SendAsync(1));
        Assert.Equal("refused", error.Message);
    }

    [Fact]
    public async Task Dispose_SendsWhatIsStillWaiting()
    {
        var sent = new List<int>();
        var batcher = new Batcher<int, int>(items =>
        {
            lock (sent)
            {
                sent.AddRange(items);
            }
            return Task.FromResult<IReadOnlyList<int>>(items.ToList());
        }, maxBatch: 10, concurrency: 1, linger: TimeSpan.FromMinutes(1));
        var pending = batcher.SendAsync(42);
        await batcher.DisposeAsync();
        Assert.Equal(42, await pending);
        Assert.Equal(new[] { 42 }, sent);
    }
}
