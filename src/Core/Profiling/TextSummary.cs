using System.Text;

namespace Enclave.Core.Profiling;

/// <summary>
/// Ordinal (UTF-8 byte order, which is code point order) minimum and maximum of a column's values, and their lengths
/// in characters (code points). Only the first <see cref="PrefixBytes"/> bytes of the extremes are kept: cutting every
/// value to the same byte prefix preserves their order, so the kept prefix is exactly the true extreme's prefix.
/// Fixed memory: two 256-byte buffers and four numbers.
/// </summary>
internal sealed class TextSummary
{
    public const int PrefixBytes = 256;

    private readonly byte[] min = new byte[PrefixBytes];
    private readonly byte[] max = new byte[PrefixBytes];
    private int minLength = -1;
    private int maxLength;
    private bool minCut;
    private bool maxCut;
    private long count;
    private long shortest = long.MaxValue;
    private long longest;
    private long totalLength;

    public void Add(ReadOnlySpan<byte> value)
    {
        long length = Ascii.IsValid(value) ? value.Length : CodePoints(value);
        count++;
        shortest = Math.Min(shortest, length);
        longest = Math.Max(longest, length);
        totalLength += length;

        bool cut = value.Length > PrefixBytes;
        var prefix = cut ? value[..PrefixBytes] : value;
        if (minLength < 0)
        {
            Keep(min, ref minLength, ref minCut, prefix, cut);
            Keep(max, ref maxLength, ref maxCut, prefix, cut);
            return;
        }

        // Equal prefixes: a value that ends there is smaller than one that goes on.
        int belowMin = prefix.SequenceCompareTo(min.AsSpan(0, minLength));
        if (belowMin < 0 || (belowMin == 0 && minCut && !cut))
        {
            Keep(min, ref minLength, ref minCut, prefix, cut);
        }

        int aboveMax = prefix.SequenceCompareTo(max.AsSpan(0, maxLength));
        if (aboveMax > 0 || (aboveMax == 0 && !maxCut && cut))
        {
            Keep(max, ref maxLength, ref maxCut, prefix, cut);
        }
    }

    /// <summary>The smallest value; one longer than the kept prefix ends in "…".</summary>
    public string? Min => minLength < 0 ? null : Display(min, minLength, minCut);

    public string? Max => minLength < 0 ? null : Display(max, maxLength, maxCut);

    public StringLengths? Lengths => count == 0 ? null : new StringLengths(shortest, longest, (double)totalLength / count);

    private static void Keep(byte[] target, ref int length, ref bool targetCut, ReadOnlySpan<byte> prefix, bool cut)
    {
        prefix.CopyTo(target);
        length = prefix.Length;
        targetCut = cut;
    }

    private static string Display(byte[] bytes, int length, bool cut)
    {
        if (!cut)
        {
            return Encoding.UTF8.GetString(bytes, 0, length);
        }

        // Back off over UTF-8 continuation bytes so a character is not split.
        int end = length;
        while (end > 0 && (bytes[end - 1] & 0xC0) == 0x80)
        {
            end--;
        }

        if (end > 0 && bytes[end - 1] >= 0xC0)
        {
            end--;
        }

        return Encoding.UTF8.GetString(bytes, 0, end) + "…";
    }

    // Every byte that is not a continuation byte (10xxxxxx) starts a code point.
    private static long CodePoints(ReadOnlySpan<byte> value)
    {
        long points = 0;
        foreach (byte b in value)
        {
            points += (b & 0xC0) != 0x80 ? 1 : 0;
        }

        return points;
    }
}
