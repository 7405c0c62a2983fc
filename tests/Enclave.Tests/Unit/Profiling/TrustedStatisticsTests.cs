using System.Globalization;
using System.Text;
using System.Text.Json;

using Enclave.Core.Profiling;

using static Enclave.Tests.Unit.Profiling.Profiles;

namespace Enclave.Tests.Unit.Profiling;

/// <summary>SPEC §4 "Profiles users can trust": every figure exact, or bounded with the bound stated.</summary>
public sealed class TrustedStatisticsTests
{
    [Fact]
    public async Task A_small_orders_file_gets_exact_top_values_and_says_when_every_value_is_distinct()
    {
        // The issue's case: 5,000 orders, unique ids, 1,827 distinct emails whose true top value occurs 9 times.
        var random = new Random(14);
        var emails = Enumerable.Range(0, 5000).Select(i => i < 1827 ? $"user{i}" : $"user{random.Next(1827)}").ToList();
        emails.AddRange(Enumerable.Repeat("top@example.org", 9));
        var csv = new StringBuilder("order_id,email\n");
        for (int i = 0; i < emails.Count; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{4800 + i},{emails[i]}\n");
        }

        var table = await Table(csv.ToString());
        var ids = table.Column("order_id");
        Assert.Equal(TopValueStatus.AllDistinct, ids.TopValuesStatus);
        Assert.Empty(ids.TopValues);
        Assert.Contains(table.Alerts, a => a.Column == "order_id" && a.Kind == AlertKinds.AllDistinct);

        var email = table.Column("email");
        Assert.Equal(TopValueStatus.Exact, email.TopValuesStatus);
        var truth = emails.GroupBy(e => e).Select(g => (g.Key, Count: (long)g.Count()))
            .OrderByDescending(g => g.Count).ThenBy(g => g.Key, StringComparer.Ordinal).Take(10).ToList();
        Assert.Equal(truth.Select(t => new ValueCount(t.Key, t.Count, t.Count)), email.TopValues);
        Assert.Equal(2048, email.TopValuesExactUpTo);
    }

    [Fact]
    public async Task Beyond_the_counter_budget_every_listed_value_has_bounds_that_contain_its_true_count()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 50_000).Select(_ => Zipf(random, 5000)).ToList();
        var truth = values.GroupBy(v => v).ToDictionary(g => g.Key.ToString(CultureInfo.InvariantCulture), g => (long)g.Count());
        var table = await Table("v\n" + string.Join('\n', values.Select(v => "k" + v)) + "\n", limits: new ProfileLimits { TopValueCounters = 256 });
        var column = table.Column("v");

        Assert.Equal(TopValueStatus.Bounded, column.TopValuesStatus);
        Assert.Equal(10, column.TopValues.Count);
        foreach (var value in column.TopValues)
        {
            long actual = truth[value.Value[1..]];
            Assert.InRange(actual, value.MinCount, value.Count);
            Assert.True(value.MinCount >= 2);
        }

        // Space-saving guarantees every value above n / counters is held, so the true top 3 are listed.
        var top3 = truth.OrderByDescending(t => t.Value).Take(3).Select(t => "k" + t.Key);
        Assert.All(top3, v => Assert.Contains(column.TopValues, listed => listed.Value == v));
    }

    [Fact]
    public async Task A_nearly_distinct_column_beyond_the_budget_lists_nothing_and_says_so()
    {
        var table = await Table("v\n" + string.Join('\n', Enumerable.Range(0, 20_000).Select(i => "id" + i)) + "\n");
        var column = table.Column("v");
        Assert.Equal(TopValueStatus.AllDistinct, column.TopValuesStatus);
        Assert.Empty(column.TopValues);
        Assert.Equal("Nearly every value is different.", Assert.Single(table.Alerts, a => a.Column == "v").Message);
    }

    [Fact]
    public async Task Standard_deviation_is_the_sample_deviation_and_stable_for_large_offsets()
    {
        double[] values = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16];
        var column = Assert.Single((await Table("x\n" + string.Join('\n', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "\n")).Columns);
        double mean = values.Average();
        double expected = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        Assert.Equal(expected, column.StdDev!.Value, 9);

        var single = Assert.Single((await Table("x\n5\n")).Columns);
        Assert.Null(single.StdDev);
    }

    [Fact]
    public async Task Quantiles_of_a_small_column_are_exact_and_follow_quantile_disc()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 1001).Select(_ => random.Next(-500, 500)).ToList();
        var column = Assert.Single((await Table("x\n" + string.Join('\n', values) + "\n")).Columns);
        var sorted = values.Order().ToList();
        var q = column.Quantiles!;
        Assert.True(q.Exact);
        Assert.Equal(0, q.RankError);
        double At(double p) => sorted[(int)QuantileSketch.Rank(p, sorted.Count)];
        Assert.Equal(
            [At(0.01), At(0.05), At(0.25), At(0.5), At(0.75), At(0.95), At(0.99)],
            new[] { q.P01, q.P05, q.P25, q.P50, q.P75, q.P95, q.P99 }.Select(e => e.GetDouble()));
    }

    public static TheoryData<string> Orders => ["random", "sorted", "reversed", "ties", "sawtooth", "outliers"];

    [Theory]
    [MemberData(nameof(Orders))]
    public void The_quantile_sketch_stays_within_one_percent_rank_error_on_adversarial_orders(string order)
    {
        const int n = 300_000;
        var random = new Random(11);
        double[] values = order switch
        {
            "random" => [.. Enumerable.Range(0, n).Select(_ => random.NextDouble())],
            "sorted" => [.. Enumerable.Range(0, n).Select(i => (double)i)],
            "reversed" => [.. Enumerable.Range(0, n).Select(i => (double)(n - i))],
            "ties" => [.. Enumerable.Range(0, n).Select(_ => (double)random.Next(5))],
            "sawtooth" => [.. Enumerable.Range(0, n).Select(i => (double)(i % 1000))],
            _ => [.. Enumerable.Range(0, n).Select(i => i % 100 == 0 ? 1e300 * (i % 200 == 0 ? 1 : -1) : random.NextDouble())],
        };

        var sketch = new QuantileSketch();
        foreach (double value in values)
        {
            sketch.Add(value);
        }

        Assert.False(sketch.IsExact);
        var sorted = values.Order().ToArray();
        var estimates = sketch.Quantiles()!;
        for (int i = 0; i < QuantileSketch.Levels.Length; i++)
        {
            long target = QuantileSketch.Rank(QuantileSketch.Levels[i], n);
            long below = LowerBound(sorted, estimates[i]);
            long through = LowerBound(sorted, BitIncrement(estimates[i])) - 1;

            // The estimate's ranks (an interval when tied) must come within 1 % of n of the target rank.
            long distance = target < below ? below - target : target > through ? target - through : 0;
            Assert.True(distance <= QuantileSketch.RankError * n, $"{order} p{QuantileSketch.Levels[i]}: rank off by {distance} of {n}");
        }
    }

    [Fact]
    public async Task Dates_and_timestamps_get_iso_ranges_and_quantiles()
    {
        var table = await Table("d,t\n2024-03-01,2024-01-01T10:00:00Z\n2023-12-31,2024-01-01 08:30:00.25+02:00\n,2024-01-02T00:00:00\n");
        var d = table.Column("d");
        Assert.Equal(("2023-12-31", "2024-03-01"), (d.Min?.GetString(), d.Max?.GetString()));
        Assert.Equal("2023-12-31", d.Quantiles!.P50.GetString());
        var t = table.Column("t");
        Assert.Equal(("2024-01-01T06:30:00.25", "2024-01-02T00:00:00"), (t.Min?.GetString(), t.Max?.GetString()));
        Assert.Equal("2024-01-01T10:00:00", t.Quantiles!.P50.GetString());
        Assert.Null(t.Mean);
    }

    [Fact]
    public async Task Strings_get_ordinal_min_max_and_lengths_in_characters()
    {
        string longValue = "z" + new string('é', 400);
        var column = Assert.Single((await Table($"s\nbanana\nApple\néclair\n{longValue}\n")).Columns);
        Assert.Equal("string", column.Type);
        Assert.Equal("Apple", column.Min?.GetString());
        Assert.Equal("éclair", column.Max?.GetString()); // U+00E9 sorts after 'z' by code point
        Assert.Equal(new StringLengths(5, 401, (6 + 5 + 6 + 401) / 4.0), column.Lengths);

        var cut = Assert.Single((await Table($"s\n{longValue}\n{longValue}!\n")).Columns);
        Assert.EndsWith("…", cut.Max?.GetString());
        Assert.StartsWith("zéé", cut.Max?.GetString());
    }

    [Fact]
    public async Task Booleans_are_counted_and_the_preview_keeps_twenty_rows_with_cells_cut()
    {
        var csv = new StringBuilder("flag,note\n");
        for (int i = 0; i < 30; i++)
        {
            csv.Append(i % 3 == 0 ? "TRUE" : "false").Append(',').Append(i == 0 ? new string('x', 1000) : i % 2 == 0 ? "" : "n" + i).Append('\n');
        }

        var table = await Table(csv.ToString());
        Assert.Equal(new BooleanCounts(10, 20), table.Column("flag").Booleans);
        Assert.Equal(20, table.Preview.Count);
        Assert.All(table.Preview, row => Assert.Equal(2, row.Count));
        Assert.Equal(256, table.Preview[0][1]!.Length);
        Assert.EndsWith("…", table.Preview[0][1]);
        Assert.Equal(("false", "n1"), (table.Preview[1][0], table.Preview[1][1]));
        Assert.Null(table.Preview[2][1]);
    }

    [Fact]
    public async Task Json_lines_previews_align_late_keys_and_missing_ones_with_the_columns()
    {
        var table = await Table("{\"a\":1}\n{\"b\":\"x\",\"a\":null}\n{\"a\":[1,2]}\n", FileKind.JsonLines);
        Assert.Equal(["a", "b"], table.Columns.Select(c => c.Name));
        Assert.Equal<IReadOnlyList<string?>>([["1", null], [null, "x"], ["[1,2]", null]], table.Preview);
    }

    [Fact]
    public async Task Alerts_name_constant_mostly_null_mixed_and_skewed_columns()
    {
        var csv = new StringBuilder("constant,sparse,mixed,skewed\n");
        for (int i = 0; i < 100; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"same,{(i < 10 ? "v" : "")},{(i == 50 ? "n/a" : i % 50)},{(i < 80 ? "a" : "b" + (i % 5))}\n");
        }

        var table = await Table(csv.ToString());
        Assert.Equal(
            [("constant", AlertKinds.Constant), ("sparse", AlertKinds.MostlyNull), ("sparse", AlertKinds.Constant), ("mixed", AlertKinds.MixedTypes), ("skewed", AlertKinds.HeavySkew)],
            table.Alerts.Select(a => (a.Column, a.Kind)));
        Assert.Equal("90 % of rows have no value.", table.Alerts[1].Message);
        Assert.Equal("One value makes up at least 80 % of the values.", table.Alerts[4].Message);
        Assert.Equal("string", table.Column("mixed").Type);
    }

    [Fact]
    public async Task Profiles_carry_the_new_fields_in_json_with_the_spec_names()
    {
        var profile = await Ready(Encoding.UTF8.GetBytes("x,d\n1,2024-01-01\n3,2024-01-02\n"), FileKind.Csv);
        string json = JsonSerializer.Serialize(profile, ProfileJsonContext.Default.FileProfile);
        foreach (string name in new[] { "\"stdDev\":", "\"quantiles\":{\"exact\":true,\"rankError\":0,\"p01\":1,", "\"p99\":\"2024-01-02\"", "\"preview\":[[\"1\",\"2024-01-01\"]", "\"alerts\":[", "\"topValuesStatus\":\"allDistinct\"", "\"topValuesExactUpTo\":2048", "\"min\":\"2024-01-01\"" })
        {
            Assert.Contains(name, json);
        }

        var back = JsonSerializer.Deserialize(json, ProfileJsonContext.Default.FileProfile)!;
        Assert.Equal(json, JsonSerializer.Serialize(back, ProfileJsonContext.Default.FileProfile));
    }

    private static int Zipf(Random random, int n)
    {
        // Inverse-CDF sampling of a Zipf(s = 1.1) over 1..n by rejection-free approximation.
        double u = random.NextDouble();
        return (int)Math.Min(n, Math.Floor(Math.Pow(n + 1, u)));
    }

    private static long LowerBound(double[] sorted, double value)
    {
        int index = Array.BinarySearch(sorted, value);
        if (index < 0)
        {
            return ~index;
        }

        while (index > 0 && sorted[index - 1] == value)
        {
            index--;
        }

        return index;
    }

    private static double BitIncrement(double value) => Math.BitIncrement(value);
}
