namespace JobPlatform.AppHost.Dashboard.Telemetry;

/// <summary>
/// A first-in first-out ring of at most <see cref="Capacity"/> items, read by index from the oldest.
/// Its array grows as items arrive, so a short series does not hold a full ring. Not thread-safe:
/// <see cref="TelemetryStore"/> guards it.
/// </summary>
internal sealed class BoundedQueue<T>(int capacity)
{
    private T[] _items = new T[Math.Min(capacity, 16)];
    private int _head;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public int Count { get; private set; }

    public T this[int index] => (uint)index < (uint)Count
        ? _items[(_head + index) % _items.Length]
        : throw new ArgumentOutOfRangeException(nameof(index));

    public T Newest => this[Count - 1];

    /// <summary>Adds <paramref name="item"/>; when full, first removes the oldest and returns true with it.</summary>
    public bool Add(T item, out T? evicted)
    {
        evicted = default;
        var full = Count == Capacity;
        if (full)
        {
            evicted = RemoveOldest();
        }
        else if (Count == _items.Length)
        {
            Grow();
        }
        _items[(_head + Count) % _items.Length] = item;
        Count++;
        return full;
    }

    public T RemoveOldest()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("The queue is empty.");
        }
        var item = _items[_head];
        // Clear the slot so the evicted item can be collected.
        _items[_head] = default!;
        _head = (_head + 1) % _items.Length;
        Count--;
        return item;
    }

    private void Grow()
    {
        var grown = new T[Math.Min(Capacity, _items.Length * 2)];
        for (var i = 0; i < Count; i++)
        {
            grown[i] = _items[(_head + i) % _items.Length];
        }
        _items = grown;
        _head = 0;
    }
}
