using System.Buffers.Binary;
using System.Numerics;

namespace Enclave.Core.Profiling;

/// <summary>
/// A fast, seedless 64-bit hash of a value's bytes, deterministic across processes so profiles are reproducible.
/// It only has to spread well for HyperLogLog and identify values in the top-value counter; it is not a defence
/// against chosen collisions (the worst an adversary gets is a wrong estimate in their own profile).
/// </summary>
internal static class ValueHash
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;

    public static ulong Of(ReadOnlySpan<byte> value)
    {
        ulong hash = Prime3 + ((ulong)value.Length * Prime1);
        while (value.Length >= 8)
        {
            hash = Round(hash, BinaryPrimitives.ReadUInt64LittleEndian(value));
            value = value[8..];
        }

        // The tail (most CSV fields are shorter than 8 bytes) in at most two loads; with the length already mixed in,
        // the overlapping reads still determine every byte.
        int n = value.Length;
        if (n >= 4)
        {
            ulong tail = BinaryPrimitives.ReadUInt32LittleEndian(value) |
                         ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(value[(n - 4)..]) << 32);
            hash = Round(hash, tail);
        }
        else if (n > 0)
        {
            hash = Round(hash, ((ulong)value[0] << 16) | ((ulong)value[n >> 1] << 8) | value[n - 1]);
        }

        return Avalanche(hash);
    }

    private static ulong Round(ulong hash, ulong lane)
    {
        hash ^= BitOperations.RotateLeft(lane * Prime2, 31) * Prime1;
        return (BitOperations.RotateLeft(hash, 27) * Prime1) + Prime3;
    }

    // The murmur3 finalizer: every input bit affects every output bit, which HyperLogLog's register index needs.
    private static ulong Avalanche(ulong hash)
    {
        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCDUL;
        hash ^= hash >> 33;
        hash *= 0xC4CEB9FE1A85EC53UL;
        hash ^= hash >> 33;
        return hash;
    }
}
