using System.Globalization;

using DuckDB.NET.Data;

using Enclave.Core.Profiling;

namespace Enclave.Tests.Oracle;

/// <summary>
/// Differential tests: our streaming profile of a generated file against DuckDB's exact answers over the same file
/// (read with the column types declared, so both engines see the same values). Seeded and deterministic.
/// </summary>
public sealed class DuckDbOracleTests : IDisposable
{
    private static readonly (string Name, double Q)[] Levels = [("p01", 0.01), ("p05", 0.05), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p95", 0.95), ("p99", 0.99)];

    private readonly string directory = Directory.CreateTempSubdirectory("enclave-oracle-").FullName;
    private readonly DuckDBConnection duck = new("Data Source=:memory:");

    public DuckDbOracleTests() => duck.Open();

    public void Dispose()
    {
        duck.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData(FileKind.Csv, 1_000, 11)]
    [InlineData(FileKind.Csv, 30_000, 12)]
    [InlineData(FileKind.Tsv, 30_000, 13)]
    [InlineData(FileKind.JsonLines, 1_000, 14)]
    [InlineData(FileKind.JsonLines, 30_000, 15)]
    public async Task Profile_agrees_with_DuckDB(FileKind kind, int rowCount, int seed)
    {
        var columns = OracleData.Columns(rowCount);
        var rows = OracleData.Rows(columns, rowCount, seed);
        string text = kind switch
        {
            FileKind.Csv => OracleData.Delimited(columns, rows, ','),
            FileKind.Tsv => OracleData.Delimited(columns, rows, '\t'),
            _ => OracleData.JsonLines(columns, rows),
        };
        string path = Path.Combine(directory, $"data-{seed}");
        await File.WriteAllTextAsync(path, text);
        var source = Source(kind, path, columns);

        await using var stream = File.OpenRead(path);
        var outcome = await FileProfiler.ProfileAsync(stream, kind, new ProfileLimits(), CancellationToken.None);
        var table = Assert.Single(Assert.IsType<ProfileOutcome.Ready>(outcome).Profile.Tables);

        Assert.Equal(Scalar<long>($"SELECT count(*) FROM {source}"), table.RowCount);
        var failures = new List<string>();
        foreach (var column in columns)
        {
            var profile = Assert.Single(table.Columns, c => c.Name == column.Name);
            Compare(source, column, profile, failures);
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static string Source(FileKind kind, string path, IReadOnlyList<OracleColumn> columns)
    {
        string types = "{" + string.Join(", ", columns.Select(c => $"'{c.Name}': '{c.DuckType}'")) + "}";
        return kind == FileKind.JsonLines
            ? $"read_json('{path}', format = 'newline_delimited', columns = {types})"
            : $"read_csv('{path}', header = true, delim = '{(kind == FileKind.Tsv ? "\\t" : ",")}', quote = '\"', columns = {types}, nullstr = '')";
    }

    private void Compare(string source, OracleColumn column, ColumnProfile profile, List<string> failures)
    {
        string c = column.Name;
        void Check(bool ok, string what)
        {
            if (!ok)
            {
                failures.Add($"{c}: {what}");
            }
        }

        long values = Scalar<long>($"SELECT count({c}) FROM {source}");
        long total = Scalar<long>($"SELECT count(*) FROM {source}");
        Check(profile.NullCount == total - values, $"nulls {profile.NullCount} vs {total - values}");
        if (values == 0)
        {
            Check(profile.Type == "empty", $"type {profile.Type} for a column without values");
            return;
        }

        long distinct = Scalar<long>($"SELECT count(DISTINCT {c}) FROM {source}");
        Check(profile.DistinctExact ? profile.DistinctEstimate == distinct : Math.Abs(profile.DistinctEstimate - distinct) <= 4 * profile.DistinctStandardError * distinct,
            $"distinct {profile.DistinctEstimate} (exact: {profile.DistinctExact}) vs {distinct}");

        if (column.Numeric)
        {
            double min = Scalar<double>($"SELECT min({c})::DOUBLE FROM {source}"), max = Scalar<double>($"SELECT max({c})::DOUBLE FROM {source}");
            Check(profile.Min?.GetDouble() == min && profile.Max?.GetDouble() == max, $"min/max {profile.Min}/{profile.Max} vs {min}/{max}");
            double mean = Scalar<double>($"SELECT avg({c}::DOUBLE) FROM {source}");
            double scale = Math.Max(Math.Abs(min), Math.Abs(max));
            Check(Close(profile.Mean, mean, scale), $"mean {profile.Mean} vs {mean}");
            if (values > 1)
            {
                double sd = Scalar<double>($"SELECT stddev_samp({c}::DOUBLE) FROM {source}");
                Check(Close(profile.StdDev, sd, scale), $"stdDev {profile.StdDev} vs {sd}");
            }
        }
        else
        {
            string min = Scalar<string>($"SELECT min({c})::VARCHAR FROM {source}"), max = Scalar<string>($"SELECT max({c})::VARCHAR FROM {source}");
            Check(profile.Min?.GetString() == min && profile.Max?.GetString() == max, $"min/max {profile.Min}/{profile.Max} vs {min}/{max}");
        }

        if (column.Numeric || column.DuckType == "DATE")
        {
            CompareQuantiles(source, column, profile, values, Check);
        }

        CompareTopValues(source, column, profile, values, Check);
    }

    private void CompareQuantiles(string source, OracleColumn column, ColumnProfile profile, long values, Action<bool, string> check)
    {
        string c = column.Name;
        if (profile.Quantiles is not { } quantiles)
        {
            check(false, "no quantiles");
            return;
        }

        foreach (var (name, q) in Levels)
        {
            var value = name switch
            {
                "p01" => quantiles.P01,
                "p05" => quantiles.P05,
                "p25" => quantiles.P25,
                "p50" => quantiles.P50,
                "p75" => quantiles.P75,
                "p95" => quantiles.P95,
                _ => quantiles.P99,
            };
            string literal = column.Numeric ? $"({value.GetDouble().ToString("R", CultureInfo.InvariantCulture)})::DOUBLE" : $"DATE '{value.GetString()}'";
            string exact = Scalar<string>($"SELECT quantile_disc({c}, {q.ToString(CultureInfo.InvariantCulture)})::VARCHAR FROM {source}");
            if (quantiles.Exact)
            {
                bool same = column.Numeric
                    ? value.GetDouble() == Scalar<double>($"SELECT quantile_disc({c}, {q.ToString(CultureInfo.InvariantCulture)})::DOUBLE FROM {source}")
                    : value.GetString() == exact;
                check(same, $"{name} {value} vs quantile_disc {exact}");
                continue;
            }

            // The ranks our value occupies in the sorted column: [below, atOrBelow − 1]. The stated error allows any
            // rank within RankError·n of quantile_disc's, max(⌈q·n⌉, 1) − 1.
            long below = Scalar<long>($"SELECT count(*) FILTER (WHERE {c} < {literal}) FROM {source}");
            long atOrBelow = Scalar<long>($"SELECT count(*) FILTER (WHERE {c} <= {literal}) FROM {source}");
            double target = Math.Max(Math.Ceiling(q * values), 1) - 1;
            double slack = quantiles.RankError * values;
            check(atOrBelow > below && below - slack <= target && target <= atOrBelow - 1 + slack,
                $"{name} {value} holds ranks [{below}, {atOrBelow - 1}], target {target} ± {slack:0.#} (quantile_disc {exact})");
        }
    }

    private void CompareTopValues(string source, OracleColumn column, ColumnProfile profile, long values, Action<bool, string> check)
    {
        string c = column.Name;
        // Keys compared as numbers for numeric columns (the file's text and DuckDB's rendering of a double differ).
        var truth = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var command = duck.CreateCommand())
        {
            command.CommandText = $"SELECT {c}::VARCHAR, count(*) FROM {source} WHERE {c} IS NOT NULL GROUP BY {c}";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                truth[Key(column, reader.GetString(0))] = reader.GetInt64(1);
            }
        }

        long Truth(string value) => truth.GetValueOrDefault(Key(column, value));
        switch (profile.TopValuesStatus)
        {
            case TopValueStatus.Exact:
                foreach (var top in profile.TopValues)
                {
                    check(top.Count == Truth(top.Value) && top.MinCount == top.Count, $"exact top {top.Value}: {top.Count} vs {Truth(top.Value)}");
                }

                var listed = profile.TopValues.Select(t => Key(column, t.Value)).ToHashSet(StringComparer.Ordinal);
                long smallestListed = profile.TopValues.Count == 0 ? 0 : profile.TopValues.Min(t => t.Count);
                long largestUnlisted = truth.Where(t => !listed.Contains(t.Key)).Select(t => t.Value).DefaultIfEmpty(0).Max();
                check(profile.TopValues.Count == Math.Min(10, truth.Count) && largestUnlisted <= smallestListed,
                    $"exact top values miss a more frequent value ({largestUnlisted} > {smallestListed})");
                break;
            case TopValueStatus.Bounded:
                foreach (var top in profile.TopValues)
                {
                    long count = Truth(top.Value);
                    check(top.MinCount <= count && count <= top.Count, $"bounded top {top.Value}: [{top.MinCount}, {top.Count}] misses {count}");
                }

                break;
            case TopValueStatus.AllDistinct:
                check(profile.TopValues.Count == 0 && truth.Count * 10 >= values * 9, $"allDistinct with {truth.Count} distinct of {values}");
                break;
            default:
                check(false, $"status {profile.TopValuesStatus}");
                break;
        }
    }

    private static string Key(OracleColumn column, string text) =>
        column.Numeric ? double.Parse(text, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture) : text;

    // Relative to the result, plus rounding relative to the largest magnitude (sums of ±1e150 cancel).
    private static bool Close(double? ours, double truth, double scale) =>
        ours is { } value && Math.Abs(value - truth) <= (1e-9 * Math.Max(1, Math.Abs(truth))) + (1e-12 * scale);

    private T Scalar<T>(string sql)
    {
        using var command = duck.CreateCommand();
        command.CommandText = sql;
        object? result = command.ExecuteScalar();
        return result is T typed ? typed : (T)Convert.ChangeType(result, typeof(T), CultureInfo.InvariantCulture)!;
    }
}
