using System.Globalization;

namespace Enclave.Core.Profiling;

/// <summary>
/// The columns of one table and its row count. Display names are made safe and unique rather than rejected, because
/// headers with blank or repeated names are common in real exports: a blank name becomes "column_N" (N = 1-based
/// position), names longer than <see cref="MaxNameLength"/> characters are cut, and a name equal (ignoring case, as
/// SQL engines would) to an earlier one gets "_2", "_3", ... appended.
/// </summary>
internal sealed class TableBuilder(ProfileLimits limits)
{
    public const int MaxNameLength = 256;

    /// <summary>How many leading rows the profile shows as a preview.</summary>
    public const int PreviewRows = 20;

    private readonly List<ColumnStats> columns = [];
    private readonly HashSet<string> names = new(StringComparer.OrdinalIgnoreCase);

    public long Rows { get; set; }

    public int ColumnCount => columns.Count;

    public ColumnStats this[int index] => columns[index];

    public ColumnStats AddColumn(string key)
    {
        if (columns.Count >= limits.MaxColumns)
        {
            throw new ProfileRejectedException($"The data has more than {limits.MaxColumns} columns.");
        }

        var column = new ColumnStats(key, UniqueName(key), limits);
        columns.Add(column);
        return column;
    }

    public TableProfile Build(string name, FileKind format)
    {
        var profiles = columns.Select(column => column.Build(Rows)).ToList();
        var alerts = columns.Zip(profiles).SelectMany(pair => pair.First.Alerts(pair.Second, Rows)).ToList();
        var preview = Enumerable.Range(0, (int)Math.Min(Rows, PreviewRows))
            .Select(row => (IReadOnlyList<string?>)columns.Select(column => column.PreviewCell(row)).ToList())
            .ToList();
        return new TableProfile(name, format, Rows, profiles, preview, alerts);
    }

    private string UniqueName(string key)
    {
        string name = string.IsNullOrWhiteSpace(key)
            ? string.Create(CultureInfo.InvariantCulture, $"column_{columns.Count + 1}")
            : Cut(key);
        string candidate = name;
        for (int suffix = 2; !names.Add(candidate); suffix++)
        {
            candidate = string.Create(CultureInfo.InvariantCulture, $"{name}_{suffix}");
        }

        return candidate;
    }

    private static string Cut(string name)
    {
        if (name.Length <= MaxNameLength)
        {
            return name;
        }

        int length = char.IsHighSurrogate(name[MaxNameLength - 1]) ? MaxNameLength - 1 : MaxNameLength;
        return name[..length];
    }
}
