using System.Runtime.InteropServices;
using System.Text;

namespace Enclave.Core.Profiling;

/// <summary>
/// Space-saving heavy hitters (Metwally et al.) with a fixed number of counters. Every value whose true frequency is
/// above rows / capacity is guaranteed to be held; a held value's count over-estimates by at most the smallest count
/// at the time it was admitted. While nothing has been evicted the counts, and the distinct count, are exact.
/// Values are identified by their 64-bit hash; only the first <see cref="MaxValueBytes"/> bytes are kept for display.
/// Memory: capacity × (MaxValueBytes + ~40 bytes), independent of rows.
/// </summary>
internal sealed class TopValueCounter
{
    public const int MaxValueBytes = 128;

    private readonly int capacity;
    private readonly Dictionary<ulong, int> slotOf;
    private readonly ulong[] hashes;
    private readonly long[] counts;
    private readonly byte[] values;
    private readonly int[] lengths;
    private readonly bool[] truncated;

    // A min-heap of slots ordered by count: the root is the counter to replace when a new value arrives.
    private readonly int[] heap;
    private readonly int[] heapIndex;
    private int size;

    public TopValueCounter(int capacity)
    {
        this.capacity = capacity;
        slotOf = new Dictionary<ulong, int>(capacity);
        hashes = new ulong[capacity];
        counts = new long[capacity];
        values = new byte[capacity * MaxValueBytes];
        lengths = new int[capacity];
        truncated = new bool[capacity];
        heap = new int[capacity];
        heapIndex = new int[capacity];
    }

    /// <summary>True once a value has been replaced, so counts are estimates and there are more distinct values than counters.</summary>
    public bool Evicted { get; private set; }

    public int Count => size;

    public void Add(ulong hash, ReadOnlySpan<byte> value)
    {
        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(slotOf, hash, out bool exists);
        if (exists)
        {
            counts[slot]++;
            SiftDown(heapIndex[slot]);
            return;
        }

        if (size < capacity)
        {
            slot = size;
            heap[size] = size;
            heapIndex[size] = size;
            size++;
            Store(slot, hash, value);
            counts[slot] = 1;
            SiftUp(heapIndex[slot]);
            return;
        }

        // Replace the smallest counter; the newcomer inherits its count (the space-saving over-estimate).
        Evicted = true;
        int victim = heap[0];
        slotOf.Remove(hashes[victim]);
        slotOf[hash] = victim;
        Store(victim, hash, value);
        counts[victim]++;
        SiftDown(0);
    }

    /// <summary>The <paramref name="top"/> largest counts, ties broken by value so the output is deterministic.</summary>
    public IReadOnlyList<ValueCount> Top(int top)
    {
        var all = new List<ValueCount>(size);
        for (int slot = 0; slot < size; slot++)
        {
            string text = Encoding.UTF8.GetString(values, slot * MaxValueBytes, lengths[slot]);
            all.Add(new ValueCount(truncated[slot] ? text + "…" : text, counts[slot]));
        }

        all.Sort(static (a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Value, b.Value));
        return all.Count > top ? all.GetRange(0, top) : all;
    }

    private void Store(int slot, ulong hash, ReadOnlySpan<byte> value)
    {
        hashes[slot] = hash;
        int length = value.Length;
        bool cut = length > MaxValueBytes;
        if (cut)
        {
            // Cut on a character boundary: back off over UTF-8 continuation bytes (10xxxxxx).
            length = MaxValueBytes;
            while (length > 0 && (value[length] & 0xC0) == 0x80)
            {
                length--;
            }
        }

        value[..length].CopyTo(values.AsSpan(slot * MaxValueBytes, MaxValueBytes));
        lengths[slot] = length;
        truncated[slot] = cut;
    }

    private void SiftUp(int index)
    {
        while (index > 0)
        {
            int parent = (index - 1) >> 1;
            if (counts[heap[parent]] <= counts[heap[index]])
            {
                return;
            }

            Swap(index, parent);
            index = parent;
        }
    }

    private void SiftDown(int index)
    {
        while (true)
        {
            int left = (2 * index) + 1;
            if (left >= size)
            {
                return;
            }

            int smallest = left + 1 < size && counts[heap[left + 1]] < counts[heap[left]] ? left + 1 : left;
            if (counts[heap[index]] <= counts[heap[smallest]])
            {
                return;
            }

            Swap(index, smallest);
            index = smallest;
        }
    }

    private void Swap(int a, int b)
    {
        (heap[a], heap[b]) = (heap[b], heap[a]);
        heapIndex[heap[a]] = a;
        heapIndex[heap[b]] = b;
    }
}
