using System.Buffers.Text;
using System.Text;

namespace Enclave.ProfileBench;

/// <summary>
/// Writes a deterministic CSV of about the requested size: sequential ids, timestamps, dates, decimal amounts with
/// nulls, small integers, a skewed 12-value category, ~2000 cities, high-cardinality names, booleans and a
/// bell-shaped score. Same seed, same bytes, so both engines and every run see identical input.
/// </summary>
internal static class CsvGenerator
{
    public const string Header = "id,ts,day,amount,qty,category,city,name,flag,score\n";

    private static readonly string[] Categories =
        ["grocery", "books", "electronics", "garden", "toys", "sports", "beauty", "music", "travel", "office", "pets", "auto"];

    public static long Write(string path, long targetBytes)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        var random = new XorShift(0x5EED);
        byte[] buffer = new byte[1 << 20];
        int used = Encoding.ASCII.GetBytes(Header, buffer);
        long written = 0;
        long rows = 0;
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var firstDay = new DateOnly(2020, 1, 1);
        while (written + used < targetBytes)
        {
            if (used > buffer.Length - 512)
            {
                file.Write(buffer, 0, used);
                written += used;
                used = 0;
            }

            var row = buffer.AsSpan(used);
            int n = 0;
            Number(row, ref n, rows);
            Comma(row, ref n);
            start.AddSeconds(rows * 7).TryFormat(row[n..], out int w, "yyyy-MM-ddTHH:mm:ss");
            n += w;
            Comma(row, ref n);
            firstDay.AddDays((int)random.Below(1500)).TryFormat(row[n..], out w, "yyyy-MM-dd");
            n += w;
            Comma(row, ref n);
            if (random.Below(20) != 0)
            {
                Utf8Formatter.TryFormat(random.Below(100_000) / 100.0m, row[n..], out w, new System.Buffers.StandardFormat('F', 2));
                n += w;
            }

            Comma(row, ref n);
            Number(row, ref n, 1 + (long)random.Below(100));
            Comma(row, ref n);
            Text(row, ref n, Categories[Math.Min(random.Below(12), random.Below(12))]);
            Comma(row, ref n);
            Text(row, ref n, "city-");
            Number(row, ref n, (long)random.Below(2000));
            Comma(row, ref n);
            ulong token = random.Next();
            for (int i = 0; i < 8; i++)
            {
                row[n++] = (byte)"0123456789abcdef"[(int)((token >> (4 * i)) & 0xF)];
            }

            Comma(row, ref n);
            Text(row, ref n, random.Below(2) == 0 ? "true" : "false");
            Comma(row, ref n);
            if (random.Below(50) != 0)
            {
                double score = 0;
                for (int i = 0; i < 4; i++)
                {
                    score += random.Below(1_000_000) / 10_000.0;
                }

                Utf8Formatter.TryFormat(Math.Round((decimal)score, 4), row[n..], out w, new System.Buffers.StandardFormat('F', 4));
                n += w;
            }

            row[n++] = (byte)'\n';
            used += n;
            rows++;
        }

        file.Write(buffer, 0, used);
        return rows;
    }

    private static void Comma(Span<byte> row, ref int n) => row[n++] = (byte)',';

    private static void Number(Span<byte> row, ref int n, long value)
    {
        Utf8Formatter.TryFormat(value, row[n..], out int w);
        n += w;
    }

    private static void Text(Span<byte> row, ref int n, string text) => n += Encoding.ASCII.GetBytes(text, row[n..]);

    private sealed class XorShift(ulong seed)
    {
        private ulong state = seed;

        public ulong Next()
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            return state;
        }

        public int Below(int bound) => (int)(Next() % (ulong)bound);
    }
}
