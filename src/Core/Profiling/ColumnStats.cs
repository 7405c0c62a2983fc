using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Enclave.Core.Profiling;

/// <summary>
/// Everything known about one column, in memory that does not grow with rows (sizes in docs/profiling.md): a
/// HyperLogLog, an exact small distinct set, a top-value counter of <see cref="ProfileLimits.TopValueCounters"/>
/// counters, a streaming histogram, a quantile sketch, the text extremes and a handful of numbers.
/// Nulls are not added; the table knows the row count, so nulls = rows − values.
/// </summary>
internal sealed class ColumnStats(string key, string name, ProfileLimits limits)
{
    public const int PreviewCellChars = 256;

    private const TypeSeen NumericTypes = TypeSeen.Integer | TypeSeen.Number;
    private const TypeSeen TemporalTypes = TypeSeen.Date | TypeSeen.Timestamp;

    private readonly HyperLogLog distinct = new();
    private readonly SmallDistinctSet exactDistinct = new();
    private readonly TopValueCounter top = new(limits.TopValueCounters);
    private readonly TextSummary text = new();
    private readonly string?[] preview = new string?[TableBuilder.PreviewRows];
    private StreamingHistogram? histogram = new();
    private QuantileSketch? quantiles = new();
    private TypeSeen seen;
    private bool classified;
    private long values;
    private long trues;
    private double min = double.PositiveInfinity;
    private double max = double.NegativeInfinity;
    private double sum;
    private double compensation;
    private long moments;
    private double welfordMean;
    private double squares;

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

    public byte[] Utf8Key { get; } = Encoding.UTF8.GetBytes(key);

    public string Name { get; } = name;

    /// <summary>The JSON lines row that last set this column, to catch a key repeated within one object.</summary>
    public long LastRow { get; set; }

    /// <summary>A CSV/TSV cell (not empty) of 1-based <paramref name="row"/>: its type is inferred from the text.</summary>
    public void AddText(ReadOnlySpan<byte> value, long row)
    {
        Count(value, row);
        if (!classified)
        {
            Observe(ValueClassifier.Classify(value, out double number), number, value[0]);
        }
    }

    /// <summary>A JSON value whose type the caller already knows; <paramref name="value"/> is what top values show.</summary>
    public void AddTyped(ValueKind kind, double number, ReadOnlySpan<byte> value, long row)
    {
        Count(value, row);
        if (!classified)
        {
            Observe(kind, number, value.IsEmpty ? (byte)0 : value[0]);
        }
    }

    public string? PreviewCell(int row) => preview[row];

    public ColumnProfile Build(long rows)
    {
        string type = TypeName();
        bool numeric = type is ColumnTypes.Integer or ColumnTypes.Number;
        bool temporal = type is ColumnTypes.Date or ColumnTypes.Timestamp;
        bool exactCount = exactDistinct.Count is not null;
        long distinctCount = exactDistinct.Count ??
                             Math.Clamp((long)Math.Round(distinct.Estimate()), SmallDistinctSet.Capacity + 1L, values);
        var (topValues, status) = TopValues(distinctCount);
        double standardDeviation = moments > 1 ? Math.Sqrt(squares / (moments - 1)) : double.NaN;
        return new ColumnProfile(
            Name,
            type,
            rows - values,
            distinctCount,
            exactCount,
            exactCount ? 0 : HyperLogLog.StandardError,
            numeric || temporal ? Scalar(min, type) : type == ColumnTypes.String ? Text(text.Min) : null,
            numeric || temporal ? Scalar(max, type) : type == ColumnTypes.String ? Text(text.Max) : null,
            numeric && double.IsFinite(sum + compensation) ? (sum + compensation) / values : null,
            numeric && double.IsFinite(standardDeviation) ? standardDeviation : null,
            numeric || temporal ? BuildQuantiles(type) : null,
            type == ColumnTypes.String ? text.Lengths : null,
            type == ColumnTypes.Boolean ? new BooleanCounts(trues, values - trues) : null,
            topValues,
            status,
            limits.TopValueCounters,
            numeric ? histogram?.Build(min, max, limits.HistogramBins, values) : null);
    }

    /// <summary>What a reader should notice about this column, judged from its profile.</summary>
    public IEnumerable<ProfileAlert> Alerts(ColumnProfile column, long rows)
    {
        if (rows > 0 && column.NullCount * 2 > rows)
        {
            double share = (double)column.NullCount / rows;
            yield return new ProfileAlert(Name, AlertKinds.MostlyNull, Format($"{share:P0} of rows have no value."));
        }

        if (values >= 2 && column.DistinctExact && column.DistinctEstimate == 1)
        {
            yield return new ProfileAlert(Name, AlertKinds.Constant, "Every value is the same.");
            yield break;
        }

        if (column.TopValuesStatus == TopValueStatus.AllDistinct)
        {
            yield return new ProfileAlert(Name, AlertKinds.AllDistinct, top.Evicted ? "Nearly every value is different." : "Every value is different.");
        }

        if (column.Type == ColumnTypes.String && (seen & ~TypeSeen.String) != 0)
        {
            yield return new ProfileAlert(Name, AlertKinds.MixedTypes, "Values of different kinds (" + Kinds() + ") share this column, so it is treated as text.");
        }

        long dominant = top.LargestLowerBound();
        if (values >= 10 && dominant * 2 > values && column.DistinctEstimate > 1)
        {
            double share = (double)dominant / values;
            yield return new ProfileAlert(Name, AlertKinds.HeavySkew, Format($"One value makes up at least {share:P0} of the values."));
        }
    }

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static JsonElement? Text(string? value) =>
        value is null ? null : JsonSerializer.SerializeToElement(value, ProfileJsonContext.Default.String);

    private static JsonElement Scalar(double value, string type) => type switch
    {
        ColumnTypes.Date => JsonSerializer.SerializeToElement(Instant(value).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ProfileJsonContext.Default.String),
        ColumnTypes.Timestamp => JsonSerializer.SerializeToElement(TimestampText(value), ProfileJsonContext.Default.String),
        _ => JsonSerializer.SerializeToElement(value, ProfileJsonContext.Default.Double),
    };

    private static DateTime Instant(double seconds) =>
        DateTime.UnixEpoch.AddTicks((long)Math.Round(seconds * 1e6) * 10);

    // ISO-8601 to the microsecond, without trailing zeros; offsets were converted to UTC when read.
    private static string TimestampText(double seconds) =>
        Instant(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture);

    private Quantiles? BuildQuantiles(string type)
    {
        if (quantiles?.Quantiles() is not { } q)
        {
            return null;
        }

        return new Quantiles(
            quantiles.IsExact,
            quantiles.IsExact ? 0 : QuantileSketch.RankError,
            Scalar(q[0], type),
            Scalar(q[1], type),
            Scalar(q[2], type),
            Scalar(q[3], type),
            Scalar(q[4], type),
            Scalar(q[5], type),
            Scalar(q[6], type));
    }

    private (IReadOnlyList<ValueCount> Values, string Status) TopValues(long distinctCount)
    {
        if (!top.Evicted)
        {
            bool allOnce = values >= 2 && top.LargestLowerBound() == 1;
            return allOnce ? ([], TopValueStatus.AllDistinct) : (top.Top(limits.TopValues), TopValueStatus.Exact);
        }

        // Counters were replaced: list only values proven to repeat, each with its bounds.
        var repeated = top.Top(limits.TopValues, minimumLowerBound: 2);
        bool nearlyAllDistinct = repeated.Count == 0 && distinctCount * 10 >= values * 9;
        return nearlyAllDistinct ? ([], TopValueStatus.AllDistinct) : (repeated, TopValueStatus.Bounded);
    }

    private void Count(ReadOnlySpan<byte> value, long row)
    {
        values++;
        ulong hash = ValueHash.Of(value);
        distinct.Add(hash);
        exactDistinct.Add(hash);
        top.Add(hash, value);
        text.Add(value);
        if (row <= TableBuilder.PreviewRows)
        {
            preview[row - 1] = PreviewText(value);
        }
    }

    private static string PreviewText(ReadOnlySpan<byte> value)
    {
        // At most PreviewCellChars UTF-16 units come from at most 3 bytes each (4-byte sequences give 2 units).
        var head = value.Length > PreviewCellChars * 3 ? value[..(PreviewCellChars * 3)] : value;
        string decoded = Encoding.UTF8.GetString(head);
        if (decoded.Length <= PreviewCellChars && head.Length == value.Length)
        {
            return decoded;
        }

        int keep = PreviewCellChars - 1;
        if (char.IsHighSurrogate(decoded[keep - 1]))
        {
            keep--;
        }

        return decoded.Length <= keep ? decoded + "…" : decoded[..keep] + "…";
    }

    private void Observe(ValueKind kind, double number, byte first)
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

        // Once a column can only be a string, free the numeric state; classify on only until a non-text value shows
        // the column holds mixed kinds, because that is all the classifier can still tell.
        if (TypeName() == ColumnTypes.String)
        {
            histogram = null;
            quantiles = null;
            classified = (seen & ~TypeSeen.String) != 0;
            return;
        }

        if (kind == ValueKind.Boolean)
        {
            trues += first is (byte)'t' or (byte)'T' ? 1 : 0;
            return;
        }

        min = Math.Min(min, number);
        max = Math.Max(max, number);
        quantiles?.Add(number);
        if (kind is ValueKind.Integer or ValueKind.Number)
        {
            AddToSum(number);
            AddToMoments(number);
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

    // Welford's update of the sum of squared deviations, stable where the naive Σx² − n·mean² cancels.
    private void AddToMoments(double value)
    {
        moments++;
        double delta = value - welfordMean;
        welfordMean += delta / moments;
        squares += delta * (value - welfordMean);
    }

    private string Kinds()
    {
        var kinds = new List<string>();
        if ((seen & NumericTypes) != 0)
        {
            kinds.Add("numbers");
        }

        if ((seen & TypeSeen.Boolean) != 0)
        {
            kinds.Add("booleans");
        }

        if ((seen & TemporalTypes) != 0)
        {
            kinds.Add("dates");
        }

        if ((seen & TypeSeen.String) != 0)
        {
            kinds.Add("text");
        }

        return string.Join(", ", kinds);
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
