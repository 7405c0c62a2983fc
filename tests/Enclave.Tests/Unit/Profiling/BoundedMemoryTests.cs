using System.Text;

using Enclave.Core.Profiling;

namespace Enclave.Tests.Unit.Profiling;

/// <summary>
/// Memory must not grow with rows. Over a MemoryStream every await completes synchronously, so the whole profile runs
/// on this thread and the thread's allocation counter measures exactly what the profiler allocated.
/// </summary>
public sealed class BoundedMemoryTests
{
    [Theory]
    [InlineData(FileKind.Csv)]
    [InlineData(FileKind.JsonLines)]
    public void Twenty_times_more_rows_allocate_no_more_memory(FileKind kind)
    {
        long small = Allocated(Generate(kind, 20_000), kind);
        long large = Allocated(Generate(kind, 400_000), kind);
        Assert.True(large - small < 256 * 1024, $"20k rows: {small:N0} bytes, 400k rows: {large:N0} bytes");
    }

    private static long Allocated(byte[] content, FileKind kind)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var task = FileProfiler.ProfileAsync(new MemoryStream(content, writable: false), kind, new ProfileLimits(), CancellationToken.None);
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(task.IsCompletedSuccessfully, "the profile must complete synchronously for the measurement to hold");
        Assert.IsType<ProfileOutcome.Ready>(task.Result);
        return after - before;
    }

    private static byte[] Generate(FileKind kind, int rows)
    {
        var random = new Random(1);
        var text = new StringBuilder(kind == FileKind.Csv ? "id,name,amount,day,flag\n" : "");
        for (int i = 0; i < rows; i++)
        {
            string name = $"name-{random.Next(5000)}";
            double amount = Math.Round(random.NextDouble() * 1000, 2);
            string day = $"2024-0{1 + (i % 9)}-1{i % 10}";
            if (kind == FileKind.Csv)
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i},\"{name}\",{amount},{day},{i % 2 == 0}\n");
            }
            else
            {
                // Keys in varying order and one optional key, so the slow lookup path is measured too.
                text.Append(i % 3 == 0
                    ? FormattableString.Invariant($"{{\"name\":\"{name}\",\"id\":{i},\"amount\":{amount},\"tags\":[\"a\",{i % 7}]}}\n")
                    : FormattableString.Invariant($"{{\"id\":{i},\"name\":\"{name}\",\"amount\":{amount},\"day\":\"{day}\",\"flag\":{(i % 2 == 0 ? "true" : "false")}}}\n"));
            }
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
