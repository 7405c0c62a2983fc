namespace Enclave.Core.Profiling;

/// <summary>
/// Everything known about one column, in memory that does not grow with rows: a HyperLogLog (16 KiB), an exact small
/// distinct set (16 KiB), a top-value counter (~35 KiB at the default 200 counters), a streaming histogram (at most
/// ~40 KiB) and a handful of numbers: about 110 KiB per column, so at most ~55 MiB at the 500-column limit.
/// Nulls are not added; the table knows the row count, so nulls = rows − values.
/// </summary>
internal sealed class ColumnStats(string key, string name, ProfileLimits limits)
{
    private const TypeSeen NumericTypes = TypeSeen.Integer | TypeSeen.Number;
    private const TypeSeen TemporalTypes = TypeSeen.Date | TypeSeen.Timestamp;

    private readonly HyperLogLog distinct = new();
    private readonly SmallDistinctSet exactDistinct = new();
    private readonly TopValueCounter top = new(Math.Clamp(limits.TopValues * 20, 64, 4096));
    private StreamingHistogram? histogram = new();
    private TypeSeen seen;
    private bool settled;
    private long values;
    private double min = double.PositiveInfinity;
    private double max = double.NegativeInfinity;
    private double sum;
    private double compensation;

    [Flags]
    private enum TypeSeen : byte
    {
        None = 0,
        String = 1,
        Integer = 2,
        Number = 4,
        Boolean = 8,
        Date = 16,
        Timestamp = 32,
    }

    /// <summary>The key as it appears in the data (JSON lines match on it); <see cref="Name"/> is the unique display name.</summary>
    public string Key { get; } = key;

    public byte[] Utf8Key { get; } = System.Text.Encoding.UTF8.GetBytes(key);

    public string Name { get; } = name;

    /// <summary>The JSON lines row that last set this column, to catch a key repeated within one object.</summary>
    public long LastRow { get; set; }

    /// <summary>A CSV/TSV cell (not empty): its type is inferred from the text.</summary>
    public void AddText(ReadOnlySpan<byte> value)
    {
        Count(value);
        if (!settled)
        {
            Observe(ValueClassifier.Classify(value, out double number), number);
        }
    }

    /// <summary>A JSON value whose type the caller already knows; <paramref name="text"/> is what top values show.</summary>
    public void AddTyped(ValueKind kind, double number, ReadOnlySpan<byte> text)
    {
        Count(text);
        if (!settled)
        {
            Observe(kind, number);
        }
    }

    public ColumnProfile Build(long rows)
    {
        string type = TypeName();
        bool numeric = type is ColumnTypes.Integer or ColumnTypes.Number;
        long distinctCount = exactDistinct.Count ??
                             Math.Clamp((long)Math.Round(distinct.Estimate()), SmallDistinctSet.Capacity + 1L, values);
        return new ColumnProfile(
            Name,
            type,
            rows - values,
            distinctCount,
            numeric ? min : null,
            numeric ? max : null,
            numeric && double.IsFinite(sum + compensation) ? (sum + compensation) / values : null,
            top.Top(limits.TopValues),
            !top.Evicted,
            numeric ? histogram?.Build(min, max, limits.HistogramBins, values) : null);
    }

    private void Count(ReadOnlySpan<byte> value)
    {
        values++;
        ulong hash = ValueHash.Of(value);
        distinct.Add(hash);
        exactDistinct.Add(hash);
        top.Add(hash, value);
    }

    private void Observe(ValueKind kind, double number)
    {
        seen |= kind switch
        {
            ValueKind.Integer => TypeSeen.Integer,
            ValueKind.Number => TypeSeen.Number,
            ValueKind.Boolean => TypeSeen.Boolean,
            ValueKind.Date => TypeSeen.Date,
            ValueKind.Timestamp => TypeSeen.Timestamp,
            _ => TypeSeen.String,
        };

        // Once a column can only be a string, stop classifying and free the numeric state.
        if (TypeName() == ColumnTypes.String)
        {
            settled = true;
            histogram = null;
            return;
        }

        if (kind is ValueKind.Integer or ValueKind.Number)
        {
            min = Math.Min(min, number);
            max = Math.Max(max, number);
            AddToSum(number);
            histogram?.Add(number);
        }
    }

    // Neumaier's compensated sum: the mean of millions of values keeps its precision.
    private void AddToSum(double value)
    {
        double total = sum + value;
        compensation += Math.Abs(sum) >= Math.Abs(value) ? (sum - total) + value : (value - total) + sum;
        sum = total;
    }

    // Widening: integer → number; date → timestamp; anything mixed across numbers, booleans and dates → string.
    private string TypeName()
    {
        if (seen == TypeSeen.None)
        {
            return ColumnTypes.Empty;
        }

        if ((seen & TypeSeen.String) != 0)
        {
            return ColumnTypes.String;
        }

        if ((seen & ~NumericTypes) == 0)
        {
            return (seen & TypeSeen.Number) != 0 ? ColumnTypes.Number : ColumnTypes.Integer;
        }

        if ((seen & ~TemporalTypes) == 0)
        {
            return (seen & TypeSeen.Timestamp) != 0 ? ColumnTypes.Timestamp : ColumnTypes.Date;
        }

        return seen == TypeSeen.Boolean ? ColumnTypes.Boolean : ColumnTypes.String;
    }
}
