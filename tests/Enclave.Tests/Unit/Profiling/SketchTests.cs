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
        Assert.Equal([new("a", 3), new("b", 2), new("c", 1), new ValueCount("d", 1)], counter.Top(10));

        counter.Add(ValueHash.Of("e"u8), "e"u8);
        Assert.True(counter.Evicted);
        Assert.Equal(new ValueCount("e", 2), counter.Top(10)[2]); // inherited the replaced minimum, plus one
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

    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        var crc = new Crc32();
        crc.Append("123456789"u8);
        Assert.Equal(0xCBF43926u, crc.Value);

        var split = new Crc32();
        byte[] data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("The quick brown fox. ", 100)));
        split.Append(data.AsSpan(0, 333));
        split.Append(data.AsSpan(333));
        var whole = new Crc32();
        whole.Append(data);
        Assert.Equal(whole.Value, split.Value);
    }
}
