namespace Enclave.Core.Profiling;

/// <summary>
/// CRC-32 (IEEE 802.3, as in ZIP), slicing-by-8. The tables are built per instance (8 KiB, microseconds) because the
/// project allows no static mutable state, and an array is mutable.
/// </summary>
internal sealed class Crc32
{
    private readonly uint[] table = new uint[8 * 256];
    private uint state = 0xFFFFFFFFu;

    public Crc32()
    {
        for (uint i = 0; i < 256; i++)
        {
            uint crc = i;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }

            table[i] = crc;
        }

        for (int i = 0; i < 256; i++)
        {
            for (int slice = 1; slice < 8; slice++)
            {
                uint previous = table[((slice - 1) * 256) + i];
                table[(slice * 256) + i] = (previous >> 8) ^ table[previous & 0xFF];
            }
        }
    }

    public uint Value => ~state;

    public void Append(ReadOnlySpan<byte> data)
    {
        uint crc = state;
        var t = table.AsSpan();
        while (data.Length >= 8)
        {
            uint low = crc ^ (uint)(data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24));
            uint high = (uint)(data[4] | (data[5] << 8) | (data[6] << 16) | (data[7] << 24));
            crc = t[(7 * 256) + (int)(low & 0xFF)] ^ t[(6 * 256) + (int)((low >> 8) & 0xFF)] ^
                  t[(5 * 256) + (int)((low >> 16) & 0xFF)] ^ t[(4 * 256) + (int)(low >> 24)] ^
                  t[(3 * 256) + (int)(high & 0xFF)] ^ t[(2 * 256) + (int)((high >> 8) & 0xFF)] ^
                  t[256 + (int)((high >> 16) & 0xFF)] ^ t[(int)(high >> 24)];
            data = data[8..];
        }

        foreach (byte b in data)
        {
            crc = (crc >> 8) ^ t[(int)((crc ^ b) & 0xFF)];
        }

        state = crc;
    }
}
