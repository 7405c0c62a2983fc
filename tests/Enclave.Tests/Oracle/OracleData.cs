using System.Globalization;
using System.Text;

namespace Enclave.Tests.Oracle;

/// <summary>
/// Seeded generated tables with adversarial distributions, written as CSV, TSV and JSON lines. Every cell is a
/// string in the file's own syntax, or null (an empty CSV field, a JSON null).
/// </summary>
internal sealed record OracleColumn(string Name, string DuckType, bool Numeric, bool Quoted, Func<int, Random, string?> Cell);

internal static class OracleData
{
    private static readonly DateOnly Epoch = new(1990, 1, 1);

    public static IReadOnlyList<OracleColumn> Columns(int rows) =>
    [
        new("id", "BIGINT", true, false, (i, _) => (i + 1).ToString(CultureInfo.InvariantCulture)),
        new("zipf", "BIGINT", true, false, (_, r) => Zipf(r, 20_000).ToString(CultureInfo.InvariantCulture)),
        new("constant", "BIGINT", true, false, (_, _) => "7"),
        new("nothing", "BIGINT", true, false, (_, _) => null),
        new("ties", "DOUBLE", true, false, (_, r) => TieValues[r.Next(TieValues.Length)]),
        new("extreme", "DOUBLE", true, false, (_, r) => Extreme(r)),
        new("sparse", "BIGINT", true, false, (_, r) => r.Next(10) == 0 ? r.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture) : null),
        new("mixed", "VARCHAR", false, true, (i, _) => i % 3 == 0 ? (i % 97).ToString(CultureInfo.InvariantCulture) : $"w{i % 500}{(i % 7 == 0 ? "é" : "")}"),
        new("day", "DATE", false, true, (_, r) => r.Next(20) == 0 ? null : Epoch.AddDays(r.Next(rows < 5000 ? 400 : 12_000)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
    ];

    private static readonly string[] TieValues = ["0.5", "1.25", "2.75", "3", "-4.5"];

    // Magnitudes spread over 300 decades, both signs, kept far enough from double.MaxValue that neither the sum nor
    // the sum of squares of 30,000 can overflow (mean and stdDev would then be null by design, another test's case).
    private static string Extreme(Random r)
    {
        double value = Math.Pow(10, (r.NextDouble() * 300) - 150) * (r.Next(2) == 0 ? -1 : 1);
        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    // Inverse-CDF Zipf with s = 1.1 over 1..n: a few values hold most rows, a long tail holds thousands of singletons.
    private static int Zipf(Random r, int n)
    {
        double u = r.NextDouble();
        double x = Math.Pow(1 - (u * (1 - Math.Pow(n, -0.1))), -10);
        return (int)Math.Clamp(x, 1, n);
    }

    public static string?[][] Rows(IReadOnlyList<OracleColumn> columns, int rows, int seed)
    {
        var random = new Random(seed);
        var data = new string?[rows][];
        for (int i = 0; i < rows; i++)
        {
            data[i] = [.. columns.Select(c => c.Cell(i, random))];
        }

        return data;
    }

    public static string Delimited(IReadOnlyList<OracleColumn> columns, string?[][] rows, char delimiter)
    {
        var text = new StringBuilder();
        text.AppendJoin(delimiter, columns.Select(c => c.Name)).Append('\n');
        foreach (var row in rows)
        {
            text.AppendJoin(delimiter, row.Select(v => v ?? "")).Append('\n');
        }

        return text.ToString();
    }

    public static string JsonLines(IReadOnlyList<OracleColumn> columns, string?[][] rows)
    {
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.Append('{');
            for (int c = 0; c < columns.Count; c++)
            {
                string cell = row[c] is not { } v ? "null" : columns[c].Quoted ? $"\"{v}\"" : v;
                text.Append(c == 0 ? "" : ",").Append('"').Append(columns[c].Name).Append("\":").Append(cell);
            }

            text.Append("}\n");
        }

        return text.ToString();
    }
}
