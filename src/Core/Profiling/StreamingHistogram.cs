using System.Runtime.InteropServices;

namespace Enclave.Core.Profiling;

/// <summary>
/// An equal-width histogram in one pass, without knowing min and max in advance, in fixed memory.
/// <para>
/// Phase 1, exact: counts per distinct value, up to <see cref="ExactValues"/> distinct values. Columns with few
/// distinct values (codes, small integers) end here, and their histogram is exact.
/// </para>
/// <para>
/// Phase 2, fine grid: <see cref="FineBins"/> equal bins over a range that covers every value seen. When a value falls
/// outside, the range doubles away from the data and adjacent bins merge pairwise, so counts are never lost and the
/// total stays exact. After any doubling the data spans more than half the grid, so [min, max] always covers at least
/// FineBins / 2 = 1024 fine bins.
/// </para>
/// <para>
/// At the end each fine bin is assigned, by its centre, to one of the requested equal-width bins over the exact
/// [min, max]. A value can land in a neighbouring bin only if it lies within half a fine bin of a bin edge; with 20
/// output bins a fine bin is at most 1/1024 of the range, i.e. under 2% of an output bin's width. Counts always sum
/// to the number of values added.
/// </para>
/// </summary>
internal sealed class StreamingHistogram
{
    private const int ExactValues = 1024;
    private const int FineBins = 2048;

    private Dictionary<double, long>? exact = [];
    private long[]? fine;
    private double origin;
    private double width;
    private bool failed;

    public void Add(double value)
    {
        if (failed)
        {
            return;
        }

        if (exact is not null)
        {
            ref long count = ref CollectionsMarshal.GetValueRefOrAddDefault(exact, value, out _);
            count++;
            if (exact.Count > ExactValues)
            {
                SwitchToGrid();
            }

            return;
        }

        AddToGrid(value, 1);
    }

    /// <summary>Null when the range is not a finite, representable interval (values near ±double.MaxValue).</summary>
    public Histogram? Build(double min, double max, int bins, long total)
    {
        if (failed || total == 0)
        {
            return null;
        }

        if (min == max)
        {
            return new Histogram(min, max, [total]);
        }

        double binWidth = (max - min) / bins;
        if (!double.IsFinite(binWidth) || binWidth <= 0)
        {
            return null;
        }

        var counts = new long[bins];
        if (exact is not null)
        {
            foreach (var (value, count) in exact)
            {
                counts[Bin(value)] += count;
            }
        }
        else
        {
            for (int i = 0; i < FineBins; i++)
            {
                if (fine![i] != 0)
                {
                    double centre = Math.Clamp(origin + ((i + 0.5) * width), min, max);
                    counts[Bin(centre)] += fine[i];
                }
            }
        }

        return new Histogram(min, max, counts);

        int Bin(double value) => Math.Clamp((int)Math.Floor((value - min) / binWidth), 0, bins - 1);
    }

    private void SwitchToGrid()
    {
        double low = double.PositiveInfinity;
        double high = double.NegativeInfinity;
        foreach (double value in exact!.Keys)
        {
            low = Math.Min(low, value);
            high = Math.Max(high, value);
        }

        // FineBins - 1 leaves room so the maximum falls inside the last bin despite rounding.
        origin = low;
        width = (high - low) / (FineBins - 1);
        fine = new long[FineBins];
        var values = exact;
        exact = null;
        if (!double.IsFinite(width) || width <= 0)
        {
            Fail();
            return;
        }

        foreach (var (value, count) in values)
        {
            AddToGrid(value, count);
        }
    }

    private void AddToGrid(double value, long count)
    {
        double position = (value - origin) / width;
        while (!(position >= 0 && position < FineBins))
        {
            if (!Grow(downwards: position < 0))
            {
                Fail();
                return;
            }

            position = (value - origin) / width;
        }

        fine![(int)position] += count;
    }

    // Doubles the bin width. Growing down, the old range becomes the upper half of the grid; growing up, the lower half.
    private bool Grow(bool downwards)
    {
        const int half = FineBins / 2;
        var bins = fine!;
        if (downwards)
        {
            for (int i = half - 1; i >= 0; i--)
            {
                bins[half + i] = bins[2 * i] + bins[(2 * i) + 1];
            }

            Array.Clear(bins, 0, half);
            origin -= FineBins * width;
        }
        else
        {
            for (int i = 0; i < half; i++)
            {
                bins[i] = bins[2 * i] + bins[(2 * i) + 1];
            }

            Array.Clear(bins, half, half);
        }

        width *= 2;
        return double.IsFinite(origin) && double.IsFinite(width) && double.IsFinite(origin + (FineBins * width));
    }

    private void Fail()
    {
        failed = true;
        exact = null;
        fine = null;
    }
}
