namespace Enclave.Core.Profiling;

/// <summary>
/// Exact distinct count for columns with few distinct values: an open-addressing set of up to <see cref="Capacity"/>
/// 64-bit value hashes in a fixed 16 KiB table. Once more distinct values arrive it gives up and HyperLogLog answers.
/// </summary>
internal sealed class SmallDistinctSet
{
    public const int Capacity = 1024;
    private const int Slots = Capacity * 2;

    private ulong[]? slots = new ulong[Slots];
    private bool hasZero;

    /// <summary>The exact count, or null once there were more than <see cref="Capacity"/> distinct values.</summary>
    public int? Count { get; private set; } = 0;

    public void Add(ulong hash)
    {
        if (slots is null)
        {
            return;
        }

        // Zero marks an empty slot, so the value that hashes to zero is tracked on the side.
        if (hash == 0)
        {
            if (!hasZero)
            {
                hasZero = true;
                Grow();
            }

            return;
        }

        int index = (int)(hash >> 53) & (Slots - 1);
        while (true)
        {
            ulong slot = slots[index];
            if (slot == hash)
            {
                return;
            }

            if (slot == 0)
            {
                slots[index] = hash;
                Grow();
                return;
            }

            index = (index + 1) & (Slots - 1);
        }
    }

    private void Grow()
    {
        Count++;
        if (Count > Capacity)
        {
            Count = null;
            slots = null;
        }
    }
}
