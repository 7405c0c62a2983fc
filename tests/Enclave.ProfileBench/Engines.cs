using System.Diagnostics;
using System.Globalization;
using System.Text;

using DuckDB.NET.Data;

using Enclave.Core.Profiling;

namespace Enclave.ProfileBench;

/// <summary>What one measured run produced: time of the work itself, rows, and a few values to cross-check engines.</summary>
internal sealed record RunResult(string Engine, double Seconds, long Rows, double AmountMean, long AmountNulls, long NameDistinct, long CityDistinct);

internal static class Engines
{
    public static readonly string[] All = ["ours", "duckdb", "duckdb+topk"];

    /// <summary>Not timed: DuckDB's exact count(DISTINCT) once per file, to judge both engines' estimates.</summary>
    public const string Exact = "exact";

    private static readonly string[] Numeric = ["id", "amount", "qty", "score"];
    private static readonly string[] Other = ["ts", "day", "category", "city", "name", "flag"];

    public static async Task<RunResult> RunAsync(string engine, string path) => engine switch
    {
        "ours" => await OursAsync(path),
        "duckdb" => DuckDb(path, topK: false),
        "duckdb+topk" => DuckDb(path, topK: true),
        Exact => ExactDistinct(path),
        _ => throw new ArgumentException($"Unknown engine {engine}", nameof(engine)),
    };

    private static async Task<RunResult> OursAsync(string path)
    {
        var timer = Stopwatch.StartNew();
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        var limits = new ProfileLimits { MaxUncompressedBytes = long.MaxValue };
        var outcome = await FileProfiler.ProfileAsync(file, FileKind.Csv, limits, CancellationToken.None);
        timer.Stop();
        if (outcome is not ProfileOutcome.Ready ready)
        {
            throw new InvalidOperationException($"Profile rejected: {outcome}");
        }

        var table = ready.Profile.Tables[0];
        var amount = table.Columns.Single(c => c.Name == "amount");
        return new RunResult(
            "ours",
            timer.Elapsed.TotalSeconds,
            table.RowCount,
            amount.Mean ?? double.NaN,
            amount.NullCount,
            table.Columns.Single(c => c.Name == "name").DistinctEstimate,
            table.Columns.Single(c => c.Name == "city").DistinctEstimate);
    }

    // The equivalent statistics in one statement: per column count, nulls, min, max, avg (numeric), approximate
    // distinct, and a 20-bin equal-width histogram for numeric columns (which needs min/max, so DuckDB plans a second
    // pass over the CSV inside the same statement); optionally approximate top-10 values for every column.
    // Histograms (MAP) and top values (LIST) are cast to VARCHAR: DuckDB.NET reads MAP and LIST results through
    // MakeGenericType/Activator, which fails at run time under Native AOT (MissingMethodException).
    public static string Sql(string path, bool topK)
    {
        var stats = new List<string> { "count(*) AS n" };
        foreach (string c in Numeric.Concat(Other))
        {
            stats.Add($"count({c}) AS {c}_count, count(*) - count({c}) AS {c}_nulls, min({c}) AS {c}_min, max({c}) AS {c}_max, approx_count_distinct({c}) AS {c}_distinct");
            if (Numeric.Contains(c))
            {
                stats.Add($"avg({c}) AS {c}_avg");
            }

            if (topK)
            {
                stats.Add($"CAST(approx_top_k({c}, 10) AS VARCHAR) AS {c}_top");
            }
        }

        var histograms = Numeric.Select(c => $"CAST(histogram({c}, equi_width_bins(s.{c}_min, s.{c}_max, 20, false)) AS VARCHAR) AS {c}_hist");
        var sql = new StringBuilder();
        sql.Append(CultureInfo.InvariantCulture, $"WITH src AS (SELECT * FROM read_csv('{path.Replace("'", "''", StringComparison.Ordinal)}', header = true)),\n");
        sql.Append("stats AS (SELECT ").AppendJoin(",\n  ", stats).Append(" FROM src),\n");
        sql.Append("hist AS (SELECT ").AppendJoin(",\n  ", histograms).Append(" FROM src, stats s)\n");
        sql.Append("SELECT * FROM stats, hist");
        return sql.ToString();
    }

    private static RunResult ExactDistinct(string path)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) AS n, count(DISTINCT name) AS names, count(DISTINCT city) AS cities, avg(amount) AS mean, " +
                              $"count(*) - count(amount) AS nulls FROM read_csv('{path.Replace("'", "''", StringComparison.Ordinal)}', header = true)";
        using var reader = command.ExecuteReader();
        reader.Read();
        var inv = CultureInfo.InvariantCulture;
        return new RunResult(Exact, 0, Convert.ToInt64(reader["n"], inv), Convert.ToDouble(reader["mean"], inv),
            Convert.ToInt64(reader["nulls"], inv), Convert.ToInt64(reader["names"], inv), Convert.ToInt64(reader["cities"], inv));
    }

    private static DuckDBConnection Open()
    {
        var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var settings = connection.CreateCommand();
        settings.CommandText = "SET threads = 2";
        settings.ExecuteNonQuery();
        return connection;
    }

    private static RunResult DuckDb(string path, bool topK)
    {
        var timer = Stopwatch.StartNew();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = Sql(path, topK);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw new InvalidOperationException("DuckDB returned no row.");
        }

        // Touch every column so lazily materialised values (maps, lists) are really produced.
        for (int i = 0; i < reader.FieldCount; i++)
        {
            _ = reader.GetValue(i);
        }

        timer.Stop();
        return new RunResult(
            topK ? "duckdb+topk" : "duckdb",
            timer.Elapsed.TotalSeconds,
            Convert.ToInt64(reader["n"], CultureInfo.InvariantCulture),
            Convert.ToDouble(reader["amount_avg"], CultureInfo.InvariantCulture),
            Convert.ToInt64(reader["amount_nulls"], CultureInfo.InvariantCulture),
            Convert.ToInt64(reader["name_distinct"], CultureInfo.InvariantCulture),
            Convert.ToInt64(reader["city_distinct"], CultureInfo.InvariantCulture));
    }
}
