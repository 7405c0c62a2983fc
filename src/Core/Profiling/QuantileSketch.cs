namespace Enclave.Core.Profiling;

/// <summary>
/// Quantiles of one column: exact while it holds at most <see cref="ExactLimit"/> values (kept and sorted at the end),
/// then a <see cref="KllSketch"/> with a stated rank error of <see cref="RankError"/>. A quantile q is the value at
/// 0-based rank max(⌈q·n⌉, 1) − 1 of the sorted values (the first whose cumulative share reaches q), as DuckDB's
/// <c>quantile_disc</c> picks it (checked by the DuckDB oracle tests); an estimate's true rank is within RankError·n of
/// that.
/// </summary>
internal sealed class QuantileSketch
{
    public const int ExactLimit = 4096;
    public const double RankError = 0.01;

    public static readonly System.Collections.Immutable.ImmutableArray<double> Levels = [0.01, 0.05, 0.25, 0.50, 0.75, 0.95, 0.99];

    private List<double>? exact = [];
    private KllSketch? sketch;

    public bool IsExact => exact is not null;

    public void Add(double value)
    {
        if (exact is not null)
        {
            if (exact.Count < ExactLimit)
            {
                exact.Add(value);
                return;
            }

            sketch = new KllSketch();
            foreach (double kept in exact)
            {
                sketch.Add(kept);
            }

            exact = null;
        }

        sketch!.Add(value);
    }

    /// <summary>The values at <see cref="Levels"/>, or null when nothing was added.</summary>
    public double[]? Quantiles()
    {
        if (exact is not null)
        {
            if (exact.Count == 0)
            {
                return null;
            }

            exact.Sort();
            return Levels.Select(q => exact[(int)Rank(q, exact.Count)]).ToArray();
        }

        var (values, weights) = sketch!.Sorted();
        long total = weights.Sum();
        var result = new double[Levels.Length];
        for (int i = 0; i < Levels.Length; i++)
        {
            // The first item whose cumulative weight passes the target rank (0-based, so rank + 1 items).
            long target = Rank(Levels[i], total) + 1;
            long cumulative = 0;
            int at = 0;
            while (at < values.Length - 1 && cumulative + weights[at] < target)
            {
                cumulative += weights[at++];
            }

            result[i] = values[at];
        }

        return result;
    }

    /// <summary>The 0-based rank of quantile <paramref name="q"/> among <paramref name="n"/> sorted values.</summary>
    public static long Rank(double q, long n) => Math.Max((long)Math.Ceiling(q * n), 1) - 1;
}
