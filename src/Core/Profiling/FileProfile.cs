using System.Text.Json;

namespace Enclave.Core.Profiling;

/// <summary>One table per CSV/TSV/JSON lines file; a ZIP gives one per entry, in central-directory order.</summary>
public sealed record FileProfile(IReadOnlyList<TableProfile> Tables);

/// <summary>
/// Name is the ZIP entry's full name, or "" for a plain file. <see cref="Preview"/> holds the first
/// <see cref="TableBuilder.PreviewRows"/> rows, one cell per column in column order (null for a missing or null
/// value), each cut to <see cref="ColumnStats.PreviewCellChars"/> characters.
/// </summary>
public sealed record TableProfile(
    string Name,
    FileKind Format,
    long RowCount,
    IReadOnlyList<ColumnProfile> Columns,
    IReadOnlyList<IReadOnlyList<string?>> Preview,
    IReadOnlyList<ProfileAlert> Alerts);

/// <summary>
/// Type is "integer", "number", "boolean", "date", "timestamp", "string" or "empty" (no values at all).
/// <list type="bullet">
/// <item>Min and Max: numbers for integer/number columns, ISO-8601 strings for dates and timestamps, and the ordinal
/// (code point) extremes for strings, cut to 256 bytes with "…".</item>
/// <item>DistinctEstimate is exact when <see cref="DistinctExact"/>; otherwise a HyperLogLog estimate with relative
/// standard error <see cref="DistinctStandardError"/>.</item>
/// <item>TopValues: see <see cref="TopValueStatus"/>; exact while the column has at most
/// <see cref="TopValuesExactUpTo"/> distinct values.</item>
/// </list>
/// </summary>
public sealed record ColumnProfile(
    string Name,
    string Type,
    long NullCount,
    long DistinctEstimate,
    bool DistinctExact,
    double DistinctStandardError,
    JsonElement? Min,
    JsonElement? Max,
    double? Mean,
    double? StdDev,
    Quantiles? Quantiles,
    StringLengths? Lengths,
    BooleanCounts? Booleans,
    IReadOnlyList<ValueCount> TopValues,
    string TopValuesStatus,
    int TopValuesExactUpTo,
    Histogram? Histogram);

/// <summary>
/// Count is exact when the column's top values are "exact"; otherwise the true count is proven to lie in
/// [MinCount, Count]. MinCount equals Count when exact.
/// </summary>
public sealed record ValueCount(string Value, long Count, long MinCount);

/// <summary>
/// The values at ranks max(⌈q·n⌉, 1) − 1 (0-based) of the sorted non-null values, as DuckDB's quantile_disc picks them. When not
/// <see cref="Exact"/>, each is a value whose rank is within <see cref="RankError"/>·n of that rank. Numbers for
/// numeric columns; ISO-8601 strings for dates and timestamps.
/// </summary>
public sealed record Quantiles(
    bool Exact,
    double RankError,
    JsonElement P01,
    JsonElement P05,
    JsonElement P25,
    JsonElement P50,
    JsonElement P75,
    JsonElement P95,
    JsonElement P99);

/// <summary>Lengths of a string column's values in characters (Unicode code points).</summary>
public sealed record StringLengths(long Min, long Max, double Mean);

public sealed record BooleanCounts(long True, long False);

/// <summary>Kind is one of <see cref="AlertKinds"/>; Message says it in words.</summary>
public sealed record ProfileAlert(string Column, string Kind, string Message);

/// <summary>Equal-width bins over [Min, Max]; the last bin includes Max. One bin when Min equals Max.</summary>
public sealed record Histogram(double Min, double Max, IReadOnlyList<long> Counts);

internal static class ColumnTypes
{
    public const string Integer = "integer";
    public const string Number = "number";
    public const string Boolean = "boolean";
    public const string Date = "date";
    public const string Timestamp = "timestamp";
    public const string String = "string";
    public const string Empty = "empty";
}

/// <summary>
/// "exact": every distinct value was counted. "bounded": more distinct values than counters, so only values proven to
/// occur at least twice are listed, each with its bounds. "allDistinct": every value occurs once (exactly known), or no
/// value is provably repeated and at least 90 % of values are distinct; no values are listed.
/// </summary>
public static class TopValueStatus
{
    public const string Exact = "exact";
    public const string Bounded = "bounded";
    public const string AllDistinct = "allDistinct";
}

public static class AlertKinds
{
    public const string Constant = "constant";
    public const string AllDistinct = "allDistinct";
    public const string MostlyNull = "mostlyNull";
    public const string MixedTypes = "mixedTypes";
    public const string HeavySkew = "heavySkew";
}
