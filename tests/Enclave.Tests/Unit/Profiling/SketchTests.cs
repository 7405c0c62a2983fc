using System.Text;

using Enclave.Core.Profiling;

namespace Enclave.Tests.Unit.Profiling;

/// <summary>The bounded-memory building blocks on their own, against exact answers.</summary>
public sealed class SketchTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(1_000)]
    [InlineData(30_000)]
    [InlineData(100_000)]
    [InlineData(1_000_000)]
    public void HyperLogLog_estimates_are_within_two_percent_across_the_range(int distinct)
    {
        var sketch = new HyperLogLog();
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < distinct; i++)
            {
                sketch.Add(ValueHash.Of(Encoding.UTF8.GetBytes($"value-{i}")));
            }
        }

        Assert.Equal(distinct, sketch.Estimate(), tolerance: Math.Max(0.5, distinct * 0.02));
    }

    [Fact]
    public void Top_value_counts_are_exact_until_a_counter_is_replaced()
    {
        var counter = new TopValueCounter(4);
        foreach (string value in "a b a c a b d".Split(' '))
        {
            counter.Add(ValueHash.Of(Encoding.UTF8.GetBytes(value)), Encoding.UTF8.GetBytes(value));
        }

        Assert.False(counter.Evicted);
        Assert.Equal(4, counter.Count);
        Assert.Equal([new ValueCount("a", 3, 3), new ValueCount("b", 2, 2), new ValueCount("c", 1, 1), new ValueCount("d", 1, 1)], counter.Top(10));

        counter.Add(ValueHash.Of("e"u8), "e"u8);
        Assert.True(counter.Evicted);
        Assert.Equal(new ValueCount("e", 2, 1), counter.Top(10)[2]); // inherited the replaced minimum (1), plus one: true count in [1, 2]
    }

    [Fact]
    public void Space_saving_invariants_hold_under_heavy_eviction()
    {
        // Skewed values over a long tail churn the counter's hash index (insert, find, backward-shift delete) hundreds
        // of thousands of times. Any index bug shows up as a lost or duplicated value, or a broken count invariant.
        const int capacity = 50;
        const int adds = 300_000;
        var counter = new TopValueCounter(capacity);
        var truth = new Dictionary<string, long>();
        var random = new Random(9);
        for (int i = 0; i < adds; i++)
        {
            string value = random.Next(4) == 0 ? $"hot-{random.Next(8)}" : $"tail-{random.Next(100_000)}";
            truth[value] = truth.GetValueOrDefault(value) + 1;
            byte[] bytes = Encoding.UTF8.GetBytes(value);
            counter.Add(ValueHash.Of(bytes), bytes);
        }

        var top = counter.Top(capacity);
        Assert.Equal(capacity, top.Count);
        Assert.Equal(top.Count, top.Select(v => v.Value).Distinct().Count());
        Assert.Equal(adds, top.Sum(v => v.Count)); // every add increments exactly one counter
        Assert.All(top, v => Assert.InRange(v.Count, truth[v.Value], truth[v.Value] + (adds / capacity)));
        Assert.All(truth.Where(t => t.Value > adds / capacity), t => Assert.Contains(top, v => v.Value == t.Key));
    }

    [Fact]
    public void The_fast_decimal_path_gives_exactly_what_double_parse_gives()
    {
        var random = new Random(3);
        for (int i = 0; i < 200_000; i++)
        {
            int integerDigits = random.Next(1, 12);
            int fractionDigits = random.Next(0, 12);
            var text = new StringBuilder(random.Next(3) == 0 ? "-" : "");
            text.Append((char)('1' + random.Next(9)));
            for (int d = 1; d < integerDigits; d++)
            {
                text.Append((char)('0' + random.Next(10)));
            }

            if (fractionDigits > 0)
            {
                text.Append('.');
                for (int d = 0; d < fractionDigits; d++)
                {
                    text.Append((char)('0' + random.Next(10)));
                }
            }

            string s = text.ToString();
            var kind = ValueClassifier.Classify(Encoding.UTF8.GetBytes(s), out double parsed);
            Assert.Equal(fractionDigits > 0 ? ValueKind.Number : ValueKind.Integer, kind);
            Assert.Equal(double.Parse(s, System.Globalization.CultureInfo.InvariantCulture), parsed);
        }
    }

    [Fact]
    public void The_histogram_grows_its_grid_in_both_directions_without_losing_counts()
    {
        var histogram = new StreamingHistogram();
        var values = new List<double>();
        for (int i = 0; i < 5000; i++)
        {
            values.Add(i);
        }

        values.AddRange([-1e6, 3e7, -2.5e7, 12.5]);
        foreach (double value in values)
        {
            histogram.Add(value);
        }

        var built = histogram.Build(values.Min(), values.Max(), 10, values.Count)!;
        Assert.Equal(values.Count, built.Counts.Sum());

        // -2.5e7 alone in bin 0; the 5000 small values and -1e6 land around 0 (bin 4 of [-2.5e7, 3e7]); 3e7 in bin 9.
        Assert.Equal([1L, 0, 0, 0, 5002, 0, 0, 0, 0, 1], built.Counts);
    }

    [Fact]
    public void The_histogram_gives_one_bin_for_a_single_value_and_none_for_an_unrepresentable_range()
    {
        var single = new StreamingHistogram();
        single.Add(7);
        single.Add(7);
        Assert.Equal([2L], single.Build(7, 7, 20, 2)!.Counts);

        var extreme = new StreamingHistogram();
        for (int i = 0; i < 2000; i++)
        {
            extreme.Add(i);
        }

        extreme.Add(double.MaxValue);
        extreme.Add(-double.MaxValue);
        Assert.Null(extreme.Build(-double.MaxValue, double.MaxValue, 20, 2002));
    }

    [Theory]
    [InlineData("ok.csv", null)]
    [InlineData("dir/sub/ok.csv", null)]
    [InlineData("dir/", null)]
    [InlineData("..", "'.' or '..'")]
    [InlineData("a/./b.csv", "'.' or '..'")]
    [InlineData("a:b.csv", "drive letter")]
    [InlineData("", "empty name")]
    public void Entry_name_rules(string name, string? expected)
    {
        string? reason = ZipEntryRules.CheckName(name);
        if (expected is null)
        {
            Assert.Null(reason);
        }
        else
        {
            Assert.Contains(expected, reason);
        }
    }
}
