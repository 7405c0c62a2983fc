using System.Numerics;
using System.Text;

namespace Enclave.Core.Profiling;

/// <summary>
/// Space-saving heavy hitters (Metwally, Agrawal, El Abbadi 2005) with a fixed number of counters. Every value whose
/// true frequency is above rows / capacity is guaranteed to be held; a held value's count over-estimates by at most
/// the smallest count at the time it was admitted. While nothing has been evicted the counts are exact.
/// Values are identified by their 64-bit hash; only the first <see cref="MaxValueBytes"/> bytes are kept for display.
/// <para>
/// Counters live in the paper's "stream summary": buckets of equal count in a list ordered by count, so an increment
/// and an eviction are O(1) pointer moves (a binary heap costs a log-depth sift for every value of a mostly-unique
/// column). Memory: capacity × (MaxValueBytes + ~60 bytes), independent of rows.
/// </para>
/// </summary>
internal sealed class TopValueCounter
{
    public const int MaxValueBytes = 128;
    private const int None = -1;

    private readonly int capacity;

    // Open addressing from hash to slot + 1 (0 = empty), linear probing, at most half full.
    private readonly int[] index;
    private readonly int mask;

    // Per counter (slot): its value and its place in its bucket's list.
    private readonly ulong[] hashes;
    private readonly byte[] values;
    private readonly int[] lengths;
    private readonly bool[] truncated;
    private readonly int[] bucketOf;
    private readonly int[] previous;
    private readonly int[] next;

    // Per bucket: its count, first slot, and neighbours in ascending count order. One spare, because an increment
    // creates the destination bucket before the source bucket can be freed.
    private readonly long[] bucketCount;
    private readonly int[] bucketFirst;
    private readonly int[] bucketPrevious;
    private readonly int[] bucketNext;
    private readonly Stack<int> freeBuckets;
    private int smallest = None;
    private int size;

    public TopValueCounter(int capacity)
    {
        this.capacity = capacity;
        index = new int[(int)BitOperations.RoundUpToPowerOf2((uint)capacity * 2)];
        mask = index.Length - 1;
        hashes = new ulong[capacity];
        values = new byte[capacity * MaxValueBytes];
        lengths = new int[capacity];
        truncated = new bool[capacity];
        bucketOf = new int[capacity];
        previous = new int[capacity];
        next = new int[capacity];
        bucketCount = new long[capacity + 1];
        bucketFirst = new int[capacity + 1];
        bucketPrevious = new int[capacity + 1];
        bucketNext = new int[capacity + 1];
        freeBuckets = new Stack<int>(Enumerable.Range(0, capacity + 1).Reverse());
    }

    /// <summary>True once a value has been replaced, so counts are estimates and there are more distinct values than counters.</summary>
    public bool Evicted { get; private set; }

    public int Count => size;

    public void Add(ulong hash, ReadOnlySpan<byte> value)
    {
        int position = (int)hash & mask;
        while (index[position] != 0)
        {
            int found = index[position] - 1;
            if (hashes[found] == hash)
            {
                Increment(found);
                return;
            }

            position = (position + 1) & mask;
        }

        if (size < capacity)
        {
            int slot = size++;
            Store(slot, hash, value);
            index[position] = slot + 1;
            int target = smallest != None && bucketCount[smallest] == 1 ? smallest : NewBucket(1, after: None);
            Attach(slot, target);
            return;
        }

        // Replace a counter with the smallest count; the newcomer inherits that count plus one (the over-estimate).
        Evicted = true;
        int victim = bucketFirst[smallest];
        Remove(hashes[victim]);
        Store(victim, hash, value);
        Insert(hash, victim);
        Increment(victim);
    }

    /// <summary>The <paramref name="top"/> largest counts, ties broken by value so the output is deterministic.</summary>
    public IReadOnlyList<ValueCount> Top(int top)
    {
        var all = new List<ValueCount>(size);
        for (int slot = 0; slot < size; slot++)
        {
            string text = Encoding.UTF8.GetString(values, slot * MaxValueBytes, lengths[slot]);
            all.Add(new ValueCount(truncated[slot] ? text + "…" : text, bucketCount[bucketOf[slot]]));
        }

        all.Sort(static (a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Value, b.Value));
        return all.Count > top ? all.GetRange(0, top) : all;
    }

    private void Increment(int slot)
    {
        int from = bucketOf[slot];
        long count = bucketCount[from] + 1;
        int after = bucketNext[from];
        int target = after != None && bucketCount[after] == count ? after : NewBucket(count, after: from);
        Detach(slot);
        Attach(slot, target);
    }

    // Creates an empty bucket right after `after` (or at the front when None) and returns it.
    private int NewBucket(long count, int after)
    {
        int bucket = freeBuckets.Pop();
        bucketCount[bucket] = count;
        bucketFirst[bucket] = None;
        bucketPrevious[bucket] = after;
        bucketNext[bucket] = after == None ? smallest : bucketNext[after];
        if (bucketNext[bucket] != None)
        {
            bucketPrevious[bucketNext[bucket]] = bucket;
        }

        if (after == None)
        {
            smallest = bucket;
        }
        else
        {
            bucketNext[after] = bucket;
        }

        return bucket;
    }

    private void Attach(int slot, int bucket)
    {
        bucketOf[slot] = bucket;
        previous[slot] = None;
        next[slot] = bucketFirst[bucket];
        if (next[slot] != None)
        {
            previous[next[slot]] = slot;
        }

        bucketFirst[bucket] = slot;
    }

    // Takes the slot out of its bucket and frees the bucket if that left it empty.
    private void Detach(int slot)
    {
        int bucket = bucketOf[slot];
        if (previous[slot] != None)
        {
            next[previous[slot]] = next[slot];
        }
        else
        {
            bucketFirst[bucket] = next[slot];
        }

        if (next[slot] != None)
        {
            previous[next[slot]] = previous[slot];
        }

        if (bucketFirst[bucket] != None)
        {
            return;
        }

        if (bucketPrevious[bucket] != None)
        {
            bucketNext[bucketPrevious[bucket]] = bucketNext[bucket];
        }
        else
        {
            smallest = bucketNext[bucket];
        }

        if (bucketNext[bucket] != None)
        {
            bucketPrevious[bucketNext[bucket]] = bucketPrevious[bucket];
        }

        freeBuckets.Push(bucket);
    }

    private void Insert(ulong hash, int slot)
    {
        int position = (int)hash & mask;
        while (index[position] != 0)
        {
            position = (position + 1) & mask;
        }

        index[position] = slot + 1;
    }

    // Backward-shift deletion keeps every remaining key reachable from its home position without tombstones.
    private void Remove(ulong hash)
    {
        int position = (int)hash & mask;
        while (hashes[index[position] - 1] != hash)
        {
            position = (position + 1) & mask;
        }

        int hole = position;
        while (true)
        {
            position = (position + 1) & mask;
            if (index[position] == 0)
            {
                break;
            }

            int home = (int)hashes[index[position] - 1] & mask;

            // Move the entry into the hole unless its home lies cyclically in (hole, position].
            bool stays = hole <= position ? home > hole && home <= position : home > hole || home <= position;
            if (!stays)
            {
                index[hole] = index[position];
                hole = position;
            }
        }

        index[hole] = 0;
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
}
