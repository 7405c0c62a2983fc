using System.Globalization;
using System.Text;
using System.Text.Json;

using Enclave.Core.Profiling;

using static Enclave.Tests.Unit.Profiling.Profiles;

namespace Enclave.Tests.Unit.Profiling;

public sealed class ProfileCorrectnessTests
{
    [Fact]
    public async Task Top_value_counts_say_whether_they_are_exact()
    {
        var rows = new StringBuilder("id,label\n");
        for (var i = 0; i < 1000; i++)
        {
            rows.Append(CultureInfo.InvariantCulture, $"{i},l{i % 4}\n");
        }

        var table = await Table(rows.ToString(), FileKind.Csv, new ProfileLimits { TopValues = 3 });
        var labels = table.Column("label");
        Assert.Equal(TopValueStatus.Exact, labels.TopValuesStatus);
        Assert.All(labels.TopValues, v => Assert.Equal((250, 250), (v.Count, v.MinCount)));

        // 1,000 distinct ids, each once: listing any of them would be arbitrary, so the profile says "all distinct".
        var ids = table.Column("id");
        Assert.Equal(TopValueStatus.AllDistinct, ids.TopValuesStatus);
        Assert.Empty(ids.TopValues);
    }

    [Fact]
    public async Task A_known_dataset_gives_exact_counts_types_nulls_stats_top_values_and_histograms()
    {
        var ids = Enumerable.Range(0, 1000).ToList();
        string Category(int i) => (i % 10) switch { < 4 => "a", < 7 => "b", < 9 => "c", _ => "d" };
        double? Price(int i) => i % 10 == 5 ? null : (i % 100) * 0.25;
        string Day(int i) => new DateOnly(2024, 1, 1).AddDays(i % 28).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        var csv = new StringBuilder("id,category,price,day,flag,code\n");
        foreach (int i in ids)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{i},{Category(i)},{Price(i)?.ToString(CultureInfo.InvariantCulture)},{Day(i)},{(i % 2 == 0 ? "true" : "FALSE")},00{i % 7}\n");
        }

        var table = await Table(csv.ToString());
        Assert.Equal(1000, table.RowCount);
        Assert.Equal(["integer", "string", "number", "date", "boolean", "string"], table.Columns.Select(c => c.Type));

        var id = table.Column("id");
        Assert.Equal((0, 0.0, 999.0, 499.5, 1000L), (id.NullCount, id.Min.Number(), id.Max.Number(), id.Mean, id.DistinctEstimate));
        Assert.Equal(Enumerable.Repeat(50L, 20), id.Histogram!.Counts);

        var category = table.Column("category");
        Assert.Equal([new ValueCount("a", 400, 400), new ValueCount("b", 300, 300), new ValueCount("c", 200, 200), new ValueCount("d", 100, 100)], category.TopValues);
        Assert.Equal(4, category.DistinctEstimate);
        Assert.Null(category.Histogram);
        Assert.Null(category.Mean);

        var prices = ids.Select(Price).OfType<double>().ToList();
        var price = table.Column("price");
        Assert.Equal(100, price.NullCount);
        Assert.Equal(prices.Min(), price.Min.Number());
        Assert.Equal(prices.Max(), price.Max.Number());
        Assert.Equal(prices.Average(), price.Mean!.Value, 12);
        Assert.Equal(prices.Distinct().Count(), price.DistinctEstimate);
        Assert.Equal(ExactBins(prices, 20), price.Histogram!.Counts);
        Assert.Equal(900, price.Histogram.Counts.Sum());

        Assert.Equal(28, table.Column("day").DistinctEstimate);
        Assert.Equal([new ValueCount("true", 500, 500), new ValueCount("FALSE", 500, 500)], table.Column("flag").TopValues.OrderByDescending(v => v.Value, StringComparer.Ordinal));
        Assert.Equal(7, table.Column("code").DistinctEstimate);
    }

    [Fact]
    public async Task Top_values_are_capped_at_the_limit_and_histograms_use_the_configured_bins()
    {
        var csv = new StringBuilder("n\n");
        for (int i = 0; i < 300; i++)
        {
            csv.Append(i % 30).Append('\n');
        }

        var column = Assert.Single((await Table(csv.ToString(), FileKind.Csv, new ProfileLimits { TopValues = 3, HistogramBins = 5 })).Columns);
        Assert.Equal(3, column.TopValues.Count);
        Assert.All(column.TopValues, v => Assert.Equal(10, v.Count));
        Assert.Equal(["0", "1", "10"], column.TopValues.Select(v => v.Value)); // ties broken by value
        Assert.Equal([60L, 60, 60, 60, 60], column.Histogram!.Counts);
    }

    [Fact]
    public async Task Distinct_estimates_are_within_two_percent_on_100k_values()
    {
        var random = new Random(42);
        var csv = new StringBuilder("user,half,amount\n");
        var amounts = new HashSet<string>();
        for (int i = 0; i < 100_000; i++)
        {
            string amount = (random.NextDouble() * 1000).ToString("F3", CultureInfo.InvariantCulture);
            amounts.Add(amount);
            csv.Append(CultureInfo.InvariantCulture, $"user-{i},{i / 2},{amount}\n");
        }

        var table = await Table(csv.ToString());
        Assert.Equal(100_000, table.Column("user").DistinctEstimate, tolerance: 2000);
        Assert.Equal(50_000, table.Column("half").DistinctEstimate, tolerance: 1000);
        Assert.Equal(amounts.Count, table.Column("amount").DistinctEstimate, tolerance: amounts.Count * 0.02);
    }

    [Fact]
    public async Task A_streamed_histogram_of_many_distinct_values_matches_exact_binning_closely()
    {
        var random = new Random(5);
        var values = new List<double>();
        var csv = new StringBuilder("x\n");
        for (int i = 0; i < 200_000; i++)
        {
            // Normal(50, 10) by Box-Muller, plus rare far outliers that force the grid to grow both ways.
            double z = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            double x = i == 150_000 ? -400 : i == 170_000 ? 900 : Math.Round(50 + (10 * z), 6);
            values.Add(x);
            csv.Append(x.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        var histogram = Assert.Single((await Table(csv.ToString())).Columns).Histogram!;
        long[] exact = ExactBins(values, 20);
        Assert.Equal(values.Count, histogram.Counts.Sum());
        Assert.Equal((values.Min(), values.Max()), (histogram.Min, histogram.Max));
        for (int bin = 0; bin < 20; bin++)
        {
            Assert.True(Math.Abs(histogram.Counts[bin] - exact[bin]) <= values.Count / 100, $"bin {bin}: {histogram.Counts[bin]} vs {exact[bin]}");
        }

        Assert.True(histogram.Counts.Zip(exact, (a, b) => Math.Abs(a - b)).Sum() <= values.Count / 50);
    }

    [Fact]
    public async Task Top_values_find_the_heavy_hitters_in_a_long_tail()
    {
        var csv = new StringBuilder("v\n");
        const int rows = 100_000;
        for (int i = 0; i < rows; i++)
        {
            csv.Append(i % 10 == 0 ? "hot" : i % 20 == 1 ? "warm" : i % 50 == 2 ? "mild" : $"unique-{i}").Append('\n');
        }

        var column = Assert.Single((await Table(csv.ToString())).Columns);
        Assert.Equal(["hot", "warm", "mild"], column.TopValues.Take(3).Select(v => v.Value));

        // Space-saving only over-estimates, by at most rows / counters (200 counters by default).
        long[] truth = [rows / 10, rows / 20, rows / 50];
        for (int i = 0; i < 3; i++)
        {
            Assert.InRange(column.TopValues[i].Count, truth[i], truth[i] + (rows / 200));
        }
    }

    [Theory]
    [InlineData("integer", "1", "2", "-5", "+3", "0", "-0")]
    [InlineData("integer", "9223372036854775807", "-9223372036854775808")]
    [InlineData("number", "1", "2.5")]
    [InlineData("number", "1e5", "-2.5E-3", "99999999999999999999")]
    [InlineData("string", "1", "x")]
    [InlineData("string", "007")]
    [InlineData("string", "NaN")]
    [InlineData("string", "Infinity")]
    [InlineData("string", "1e999")]
    [InlineData("string", "0x1F")]
    [InlineData("string", "1.")]
    [InlineData("string", ".5")]
    [InlineData("string", " 1")]
    [InlineData("boolean", "true", "False", "TRUE")]
    [InlineData("string", "true", "1")]
    [InlineData("string", "yes")]
    [InlineData("date", "2024-02-29", "1999-12-31")]
    [InlineData("string", "2023-02-29")]
    [InlineData("string", "2024-13-01")]
    [InlineData("timestamp", "2024-01-01", "2024-01-02T03:04")]
    [InlineData("timestamp", "2024-01-02 03:04:05", "2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05+05:30", "2024-01-02T03:04:05-0800")]
    [InlineData("string", "2024-01-01T25:00")]
    [InlineData("string", "2024-01-01T10:00:00+25:00")]
    [InlineData("string", "2024-01-01", "5")]
    [InlineData("string", "true", "2024-01-01")]
    public async Task Types_are_inferred_strictly_and_widen_as_documented(string expected, params string[] values)
    {
        var table = await Table("v\n" + string.Join('\n', values.Select(Quote)) + "\n");
        Assert.Equal(expected, Assert.Single(table.Columns).Type);
    }

    [Fact]
    public async Task Numeric_stats_stay_finite_and_json_safe_for_extreme_values()
    {
        var column = Assert.Single((await Table("x\n1.7e308\n1.7e308\n-1.7e308\n")).Columns);
        Assert.Equal("number", column.Type);
        Assert.Equal(1.7e308, column.Max.Number());
        Assert.Null(column.Histogram); // the range overflows a double, so there are no equal-width bins
        JsonSerializer.Serialize(new FileProfile([new TableProfile("", FileKind.Csv, 3, [column], [], [])]), ProfileJsonContext.Default.FileProfile);

        // The sum overflows, so there is no mean rather than an infinite one (which JSON cannot carry).
        var huge = Assert.Single((await Table("x\n1e308\n1e308\n")).Columns);
        Assert.Equal([2L], huge.Histogram!.Counts);
        Assert.Null(huge.Mean);
    }

    [Fact]
    public async Task Profiles_round_trip_through_the_source_generated_json_context()
    {
        var profile = await Ready(Encoding.UTF8.GetBytes("id,name\n1,a\n2,\n"), FileKind.Csv);
        string json = JsonSerializer.Serialize(profile, ProfileJsonContext.Default.FileProfile);
        Assert.Contains("\"tables\":[{\"name\":\"\",\"format\":\"Csv\",\"rowCount\":2,", json);
        Assert.Contains("\"distinctEstimate\":2", json);
        Assert.Contains("\"histogram\":null", json);

        var back = JsonSerializer.Deserialize(json, ProfileJsonContext.Default.FileProfile)!;
        Assert.Equal(json, JsonSerializer.Serialize(back, ProfileJsonContext.Default.FileProfile));
        Assert.Equal(FileKind.Csv, back.Tables[0].Format);
        Assert.Equal(new ValueCount("a", 1, 1), back.Tables[0].Columns[1].TopValues[0]);
    }

    private static string Quote(string value) => value.Contains(' ', StringComparison.Ordinal) ? $"\"{value}\"" : value;

    private static long[] ExactBins(IReadOnlyList<double> values, int bins)
    {
        double min = values.Min();
        double width = (values.Max() - min) / bins;
        var counts = new long[bins];
        foreach (double value in values)
        {
            counts[Math.Min((int)Math.Floor((value - min) / width), bins - 1)]++;
        }

        return counts;
    }
}
