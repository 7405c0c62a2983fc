using System.Numerics;
using System.Text;

namespace Enclave.Core.Profiling;

/// <summary>
/// Space-saving heavy hitters (Metwally, Agrawal, El Abbadi 2005) with a fixed number of counters. Every value whose
/// true frequency is above rows / capacity is guaranteed to be held; a held value's count over-estimates by at most
/// the smallest count at the time it was admitted, and that inherited count is kept per counter, so each held value's
/// true count is proven to lie in [count − inherited, count]. While nothing has been evicted the counts are exact.
/// Values are identified by their 64-bit hash; only the first <see cref="MaxValueBytes"/> bytes are kept for display.
/// The arrays start small and double up to the capacity, so a column with few distinct values stays small.
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

    private const int InitialSlots = 64;

    private readonly int capacity;
    private readonly Stack<int> freeBuckets = new();
    private int slots;

    // Open addressing from hash to slot + 1 (0 = empty), linear probing, at most half full.
    private int[] index = [];
    private int mask;

    // Per counter (slot): its value, the count it inherited on admission, and its place in its bucket's list.
    private ulong[] hashes = [];
    private byte[] values = [];
    private int[] lengths = [];
    private bool[] truncated = [];
    private long[] inherited = [];
    private int[] bucketOf = [];
    private int[] previous = [];
    private int[] next = [];

    // Per bucket: its count, first slot, and neighbours in ascending count order. One spare, because an increment
    // creates the destination bucket before the source bucket can be freed.
    private long[] bucketCount = [];
    private int[] bucketFirst = [];
    private int[] bucketPrevious = [];
    private int[] bucketNext = [];
    private int smallest = None;
    private int size;

    public TopValueCounter(int capacity)
    {
        this.capacity = capacity;
        Grow(Math.Min(InitialSlots, capacity));
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

        if (size == slots && slots < capacity)
        {
            Grow(Math.Min(slots * 2, capacity));
            Insert(hash, size);
            AdmitNew(hash, value);
            return;
        }

        if (size < slots)
        {
            index[position] = size + 1;
            AdmitNew(hash, value);
            return;
        }

        // Replace a counter with the smallest count; the newcomer inherits that count plus one (the over-estimate).
        Evicted = true;
        int victim = bucketFirst[smallest];
        long floor = bucketCount[smallest];
        Remove(hashes[victim]);
        Store(victim, hash, value);
        inherited[victim] = floor;
        Insert(hash, victim);
        Increment(victim);
    }

    /// <summary>
    /// The <paramref name="top"/> largest counts with their proven lower bounds, ties broken by value so the output is
    /// deterministic. Only values whose lower bound is at least <paramref name="minimumLowerBound"/> are listed.
    /// </summary>
    public IReadOnlyList<ValueCount> Top(int top, long minimumLowerBound = 1)
    {
        var all = new List<ValueCount>(size);
        for (int slot = 0; slot < size; slot++)
        {
            long count = bucketCount[bucketOf[slot]];
            long lower = count - inherited[slot];
            if (lower < minimumLowerBound)
            {
                continue;
            }

            string text = Encoding.UTF8.GetString(values, slot * MaxValueBytes, lengths[slot]);
            all.Add(new ValueCount(truncated[slot] ? text + "…" : text, count, lower));
        }

        all.Sort(static (a, b) =>
            a.Count != b.Count ? b.Count.CompareTo(a.Count) :
            a.MinCount != b.MinCount ? b.MinCount.CompareTo(a.MinCount) :
            string.CompareOrdinal(a.Value, b.Value));
        return all.Count > top ? all.GetRange(0, top) : all;
    }

    /// <summary>The largest proven lower bound of any held value: at least this many rows hold one value.</summary>
    public long LargestLowerBound()
    {
        long best = 0;
        for (int slot = 0; slot < size; slot++)
        {
            best = Math.Max(best, bucketCount[bucketOf[slot]] - inherited[slot]);
        }

        return best;
    }

    private void AdmitNew(ulong hash, ReadOnlySpan<byte> value)
    {
        int slot = size++;
        Store(slot, hash, value);
        inherited[slot] = 0;
        int target = smallest != None && bucketCount[smallest] == 1 ? smallest : NewBucket(1, after: None);
        Attach(slot, target);
    }

    // Enlarges every array to `newSlots` counters; slot and bucket numbers stay valid, the index is rebuilt.
    private void Grow(int newSlots)
    {
        Array.Resize(ref hashes, newSlots);
        Array.Resize(ref values, newSlots * MaxValueBytes);
        Array.Resize(ref lengths, newSlots);
        Array.Resize(ref truncated, newSlots);
        Array.Resize(ref inherited, newSlots);
        Array.Resize(ref bucketOf, newSlots);
        Array.Resize(ref previous, newSlots);
        Array.Resize(ref next, newSlots);
        int oldBuckets = bucketCount.Length;
        Array.Resize(ref bucketCount, newSlots + 1);
        Array.Resize(ref bucketFirst, newSlots + 1);
        Array.Resize(ref bucketPrevious, newSlots + 1);
        Array.Resize(ref bucketNext, newSlots + 1);
        for (int bucket = newSlots; bucket >= oldBuckets; bucket--)
        {
            freeBuckets.Push(bucket);
        }

        slots = newSlots;
        index = new int[(int)BitOperations.RoundUpToPowerOf2((uint)newSlots * 2)];
        mask = index.Length - 1;
        for (int slot = 0; slot < size; slot++)
        {
            Insert(hashes[slot], slot);
        }
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
