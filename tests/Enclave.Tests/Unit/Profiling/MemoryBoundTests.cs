using System.Text;

using Enclave.Core.Profiling;

namespace Enclave.Tests.Unit.Profiling;

/// <summary>Memory is bounded by the limits whatever the content, not only whatever the row count.</summary>
public sealed class MemoryBoundTests
{
    [Fact]
    public void Json_lines_with_500_keys_of_nearly_1_MiB_each_are_refused_without_holding_them()
    {
        // 500 lines, each one object with one new ~1 MiB key: kept as columns, that is 500 MiB (a gigabyte as UTF-16).
        const int keyBytes = (1 << 20) - 32;
        using var content = new GeneratedLines(500, line => $"{{\"{new string((char)('a' + (line % 26)), keyBytes)}\":{line}}}\n");
        long allocated = Allocated(content, FileKind.JsonLines, out var outcome);
        var rejected = Assert.IsType<ProfileOutcome.Rejected>(outcome);
        Assert.Equal("Line 1 has a key longer than 1024 bytes.", rejected.Reason);
        Assert.True(allocated < 32L << 20, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task Keys_up_to_the_key_limit_are_accepted()
    {
        string key = new('k', JsonLinesTableReader.MaxKeyBytes);
        var table = await Profiles.Table($"{{\"{key}\":1}}\n", FileKind.JsonLines);
        Assert.Equal(key[..TableBuilder.MaxNameLength], Assert.Single(table.Columns).Name);
        Assert.Equal("Line 1 has a key longer than 1024 bytes.", await Profiles.Rejected($"{{\"{key}k\":1}}\n", FileKind.JsonLines));
    }

    [Fact]
    public void Five_hundred_columns_of_distinct_values_stay_within_the_documented_budget()
    {
        // The worst case for per-column state: every column has more distinct values than top-value counters.
        const int columns = 500;
        var csv = new StringBuilder(string.Join(',', Enumerable.Range(0, columns).Select(c => "c" + c)) + "\n");
        for (int line = 0; line < 2100; line++)
        {
            csv.AppendJoin(',', Enumerable.Range(0, columns).Select(c => FormattableString.Invariant($"{line}x{c}"))).Append('\n');
        }

        using var content = new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString()), writable: false);
        long allocated = Allocated(content, FileKind.Csv, out var outcome);
        Assert.IsType<ProfileOutcome.Ready>(outcome);

        // docs/profiling.md: ≈ 400 KiB of live state per full column, ≈ 0.8 MiB allocated counting the doublings.
        Assert.True(allocated < 500L << 20, $"allocated {allocated:N0} bytes");
    }

    // The stream completes every read synchronously, so the profile runs on this thread and its counter sees it all.
    private static long Allocated(Stream content, FileKind kind, out ProfileOutcome outcome)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var task = FileProfiler.ProfileAsync(content, kind, new ProfileLimits(), CancellationToken.None);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(task.IsCompletedSuccessfully, "the profile must complete synchronously for the measurement to hold");
        outcome = task.Result;
        return allocated;
    }

    /// <summary>A read-only stream that produces its lines as it is read, so a huge input never exists in memory.</summary>
    private sealed class GeneratedLines(int lines, Func<int, string> line) : Stream
    {
        private byte[] current = [];
        private int offset;
        private int next;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override int Read(Span<byte> buffer)
        {
            if (offset == current.Length)
            {
                if (next == lines)
                {
                    return 0;
                }

                current = Encoding.UTF8.GetBytes(line(next++));
                offset = 0;
            }

            int n = Math.Min(buffer.Length, current.Length - offset);
            current.AsSpan(offset, n).CopyTo(buffer);
            offset += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
