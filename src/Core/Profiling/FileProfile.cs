namespace Enclave.Core.Profiling;

/// <summary>One table per CSV/TSV/JSON lines file; a ZIP gives one per entry, in central-directory order.</summary>
public sealed record FileProfile(IReadOnlyList<TableProfile> Tables);

/// <summary>Name is the ZIP entry's full name, or "" for a plain file.</summary>
public sealed record TableProfile(string Name, FileKind Format, long RowCount, IReadOnlyList<ColumnProfile> Columns);

/// <summary>
/// Type is "integer", "number", "boolean", "date", "timestamp", "string" or "empty" (no values at all). Min, Max, Mean and Histogram are set for "integer" and "number"
/// columns only. Top value counts are exact while a column has few distinct values (<see cref="TopValuesExact"/>), and
/// otherwise over-estimate by at most rows / counter capacity (space-saving), so readers must show them as estimates.
/// </summary>
public sealed record ColumnProfile(
    string Name,
    string Type,
    long NullCount,
    long DistinctEstimate,
    double? Min,
    double? Max,
    double? Mean,
    IReadOnlyList<ValueCount> TopValues,
    bool TopValuesExact,
    Histogram? Histogram);

public sealed record ValueCount(string Value, long Count);

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
