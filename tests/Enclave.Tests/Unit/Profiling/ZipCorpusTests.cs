using System.IO.Compression;
using System.Text;

using Enclave.Core.Profiling;

using static Enclave.Tests.Unit.Profiling.Profiles;

namespace Enclave.Tests.Unit.Profiling;

public sealed class ZipCorpusTests
{
    private const string Csv = "id,name\n1,a\n2,b\n";

    [Fact]
    public async Task A_valid_archive_gives_one_table_per_entry_in_order()
    {
        byte[] zip = Zips.Text(
            ("orders.csv", "id,amount\n1,9.5\n2,10\n3,\n"),
            ("data/", ""),
            ("data/People.TSV", "name\tage\nAda\t36\nAlan\t41\n"),
            ("data/events.jsonl", "{\"kind\":\"click\"}\n{\"kind\":\"view\",\"ms\":12}\n"));
        var profile = await Ready(zip, FileKind.Zip);
        Assert.Equal(
            [("orders.csv", FileKind.Csv, 3L), ("data/People.TSV", FileKind.Tsv, 2L), ("data/events.jsonl", FileKind.JsonLines, 2L)],
            profile.Tables.Select(t => (t.Name, t.Format, t.RowCount)));
        Assert.Equal(9.75, profile.Tables[0].Column("amount").Mean);
        Assert.Equal("integer", profile.Tables[1].Column("age").Type);
        Assert.Equal(["kind", "ms"], profile.Tables[2].Columns.Select(c => c.Name));
        Assert.Single((await Ready(Zips.Text(("x.NDJSON", "{}\n")), FileKind.Zip)).Tables);
    }

    [Theory]
    [InlineData("../evil.csv", "'.' or '..' path segment")]
    [InlineData("data/../../evil.csv", "'.' or '..' path segment")]
    [InlineData("./evil.csv", "'.' or '..' path segment")]
    [InlineData("/abs.csv", "absolute path or a drive letter")]
    [InlineData("C:evil.csv", "absolute path or a drive letter")]
    [InlineData("C:/evil.csv", "absolute path or a drive letter")]
    [InlineData("a\\..\\b.csv", "backslash")]
    [InlineData("\\abs.csv", "backslash")]
    [InlineData("a\u0001b.csv", "control or undecodable characters")]
    [InlineData("line\nbreak.csv", "control or undecodable characters")]
    [InlineData("del\u007f.csv", "control or undecodable characters")]
    [InlineData("evil\u202Evsc.csv", "control or undecodable characters")]
    public async Task Hostile_entry_names_are_rejected_before_anything_is_decompressed(string name, string expected)
    {
        // The archive is written with a harmless placeholder and the raw name bytes patched in afterwards, so the test
        // does not depend on what ZipArchive agrees to write. A large stored entry comes first: had anything been
        // decompressed before the names were judged, its megabyte would have been read.
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        string placeholder = new('p', nameBytes.Length - 4);
        byte[] big = Encoding.UTF8.GetBytes("n\n" + string.Concat(Enumerable.Range(0, 200_000).Select(i => $"{i}\n")));
        byte[] zip = Zips.Rename(
            Zips.Create(CompressionLevel.NoCompression, ("big.csv", big), (placeholder + ".csv", Encoding.UTF8.GetBytes(Csv))),
            placeholder + ".csv",
            nameBytes);
        var stream = new CountingStream(zip);
        var outcome = await FileProfiler.ProfileAsync(stream, FileKind.Zip, new ProfileLimits(), CancellationToken.None);

        string reason = Assert.IsType<ProfileOutcome.Rejected>(outcome).Reason;
        Assert.Contains(expected, reason);
        Assert.DoesNotContain(name, reason); // a hostile name is never echoed
        Assert.True(stream.BytesRead < big.Length / 10, $"read {stream.BytesRead} bytes: the directory only");
    }

    [Fact]
    public async Task A_name_that_is_not_utf8_is_rejected()
    {
        byte[] zip = Zips.Rename(Zips.Text(("abc.csv", Csv)), "abc.csv", [0x61, 0xFF, 0x63, 0x2E, 0x63, 0x73, 0x76]);
        Assert.Contains("undecodable", await Rejected(zip, FileKind.Zip));
    }

    [Fact]
    public async Task Empty_and_overlong_names_are_rejected()
    {
        // ZipArchive refuses to write an empty name, so that rule is checked directly.
        Assert.Equal("An entry in the archive has an empty name.", ZipEntryRules.CheckName(""));
        Assert.Contains("longer than 255", await Rejected(Zips.Text((new string('n', 300) + ".csv", Csv)), FileKind.Zip));
    }

    [Fact]
    public async Task A_zip_bomb_is_stopped_by_actual_decompressed_bytes_long_before_the_end()
    {
        // 200 MiB of valid CSV rows compressed to a few hundred KiB. The ratio limit is lifted so that the size limit
        // (lowered to 8 MiB for speed) is what must stop it.
        const long bombBytes = 200L << 20;
        byte[] zip = Zips.Repeated("bomb.csv", "a,b\n", "1,2\n", bombBytes);
        var limits = new ProfileLimits { MaxUncompressedBytes = 8 << 20, MaxCompressionRatio = 1e9 };
        var stream = new CountingStream(zip);
        var outcome = await FileProfiler.ProfileAsync(stream, FileKind.Zip, limits, CancellationToken.None);

        // Measured in bytes, not seconds: how much of the bomb was read says it stopped early on any machine.
        Assert.Equal("bomb.csv: The data is larger than the limit of 8 MiB.", Assert.IsType<ProfileOutcome.Rejected>(outcome).Reason);
        Assert.True(stream.BytesRead < zip.Length / 4, $"read {stream.BytesRead} of {zip.Length} compressed bytes");
    }

    [Fact]
    public async Task A_bomb_that_lies_about_its_size_is_rejected_after_reading_only_what_it_declared()
    {
        // ZipArchive stops silently at the declared size; the checksum check turns the truncated entry into a rejection.
        byte[] zip = Zips.DeclareSize(Zips.Repeated("bomb.csv", "a,b\n", "1,2\n", 64L << 20), 100);
        var limits = new ProfileLimits { MaxUncompressedBytes = 8 << 20, MaxCompressionRatio = 1e9 };
        var stream = new CountingStream(zip);
        var outcome = await FileProfiler.ProfileAsync(stream, FileKind.Zip, limits, CancellationToken.None);

        Assert.Equal("bomb.csv: The entry is damaged: its size or checksum does not match the archive directory.",
            Assert.IsType<ProfileOutcome.Rejected>(outcome).Reason);
        Assert.True(stream.BytesRead < zip.Length / 2, $"read {stream.BytesRead} of {zip.Length} compressed bytes");
    }

    [Fact]
    public async Task Entries_whose_checksum_or_size_does_not_match_are_rejected()
    {
        byte[] zip = Zips.Text(("a.csv", Csv));
        Assert.Contains("checksum does not match", await Rejected(Zips.SetCrc(zip, 0xDEADBEEF), FileKind.Zip));
        Assert.Contains("checksum does not match", await Rejected(Zips.DeclareSize(zip, 10_000), FileKind.Zip));
    }

    [Fact]
    public async Task A_high_ratio_entry_is_rejected_at_the_default_limits_after_little_reading()
    {
        byte[] zip = Zips.Repeated("dense.csv", "a,b\n", "0,0\n", 50L << 20);
        var stream = new CountingStream(zip);
        var outcome = await FileProfiler.ProfileAsync(stream, FileKind.Zip, new ProfileLimits(), CancellationToken.None);

        Assert.Equal("dense.csv: The entry is compressed more than 100:1, which is not accepted.",
            Assert.IsType<ProfileOutcome.Rejected>(outcome).Reason);
        Assert.True(stream.BytesRead < zip.Length / 2, $"read {stream.BytesRead} of {zip.Length} compressed bytes");
    }

    [Fact]
    public async Task Many_small_high_ratio_entries_are_caught_by_the_overall_ratio()
    {
        // Each entry stays under the 1 MiB slack on its own; together they are far over 100:1.
        string rows = "a\n" + string.Concat(Enumerable.Repeat("1\n", 450_000));
        byte[] zip = Zips.Text(Enumerable.Range(0, 20).Select(i => ($"part{i}.csv", rows)).ToArray());
        Assert.Contains("The archive is compressed more than 100:1", await Rejected(zip, FileKind.Zip));

        // Small, very compressible entries under the slack are fine.
        Assert.Equal(2, (await Ready(Zips.Text(("a.csv", rows), ("b.csv", "x\n1\n")), FileKind.Zip)).Tables.Count);
    }

    [Theory]
    [InlineData("inner.zip")]
    [InlineData("data.csv.gz")]
    [InlineData("backup.tar")]
    [InlineData("x.7z")]
    [InlineData("x.RAR")]
    public async Task Nested_archives_are_rejected(string name)
    {
        byte[] inner = Zips.Text(("a.csv", Csv));
        byte[] zip = Zips.Create(CompressionLevel.Optimal, ("ok.csv", Encoding.UTF8.GetBytes(Csv)), (name, inner));
        Assert.Equal($"{name} is an archive inside the archive; nested archives are not accepted.", await Rejected(zip, FileKind.Zip));
    }

    [Fact]
    public async Task Thousands_of_entries_are_rejected_from_the_end_record_without_reading_the_directory()
    {
        byte[] zip = Zips.Create(CompressionLevel.Fastest, Enumerable.Range(0, 5000).Select(i => ($"f{i}.csv", "a\n1\n"u8.ToArray())).ToArray());
        var stream = new CountingStream(zip);
        var outcome = await FileProfiler.ProfileAsync(stream, FileKind.Zip, new ProfileLimits(), CancellationToken.None);

        Assert.Equal("The archive has more than 100 entries.", Assert.IsType<ProfileOutcome.Rejected>(outcome).Reason);
        Assert.True(stream.BytesRead <= 65_557, $"read {stream.BytesRead} bytes: only the tail holding the end record");

        byte[] four = Zips.Text(("a.csv", Csv), ("b.csv", Csv), ("c.csv", Csv), ("d.csv", Csv));
        Assert.Equal("The archive has more than 3 entries.", await Rejected(four, FileKind.Zip, new ProfileLimits { MaxZipEntries = 3 }));
    }

    [Fact]
    public async Task An_end_record_that_understates_the_entry_count_is_rejected()
    {
        byte[] zip = Zips.Text(Enumerable.Range(0, 150).Select(i => ($"f{i}.csv", Csv)).ToArray());
        int end = zip.AsSpan().LastIndexOf("PK\u0005\u0006"u8);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(end + 8), 50);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(end + 10), 50);
        Assert.IsType<ProfileOutcome.Rejected>(await Run(zip, FileKind.Zip));
    }

    [Fact]
    public async Task An_unknown_extension_is_rejected_naming_the_entry()
    {
        byte[] zip = Zips.Text(("ok.csv", Csv), ("notes.txt", "hello"));
        Assert.Equal("notes.txt is not a CSV, TSV or JSON lines file (.csv, .tsv, .jsonl, .ndjson).", await Rejected(zip, FileKind.Zip));
        Assert.Contains("README is not a CSV", await Rejected(Zips.Text(("README", "x")), FileKind.Zip));
    }

    [Fact]
    public async Task An_entry_flagged_encrypted_is_rejected_before_decompression()
    {
        byte[] zip = Zips.SetFlag(Zips.Text(("secret.csv", Csv)), flag: 1);
        var stream = new CountingStream(zip);
        var outcome = await FileProfiler.ProfileAsync(stream, FileKind.Zip, new ProfileLimits(), CancellationToken.None);
        Assert.Equal("secret.csv is encrypted; encrypted entries are not accepted.", Assert.IsType<ProfileOutcome.Rejected>(outcome).Reason);
    }

    [Fact]
    public async Task Duplicate_entry_names_are_rejected()
    {
        Assert.Equal("A.CSV appears more than once in the archive.", await Rejected(Zips.Text(("a.csv", Csv), ("A.CSV", Csv)), FileKind.Zip));
        Assert.Equal("a.csv appears more than once in the archive.", await Rejected(Zips.Text(("a.csv", Csv), ("a.csv", Csv)), FileKind.Zip));
    }

    [Fact]
    public async Task Archives_without_data_files_are_rejected()
    {
        Assert.Equal("The archive has no CSV, TSV or JSON lines files.", await Rejected(Zips.Text(), FileKind.Zip));
        Assert.Equal("The archive has no CSV, TSV or JSON lines files.", await Rejected(Zips.Text(("dir/", ""), ("dir/sub/", "")), FileKind.Zip));
    }

    [Fact]
    public async Task Things_that_are_not_zips_are_rejected()
    {
        Assert.Equal("The file is not a ZIP archive.", await Rejected(Encoding.UTF8.GetBytes(Csv), FileKind.Zip));
        Assert.Equal("The file is not a ZIP archive.", await Rejected([], FileKind.Zip));
        Assert.Equal("The file is not a ZIP archive.", await Rejected(new byte[100_000], FileKind.Zip));
    }

    [Fact]
    public async Task Bad_content_inside_an_entry_is_rejected_with_the_entry_name()
    {
        byte[] zip = Zips.Text(("good.csv", Csv), ("bad.csv", "a,b\n1\n"));
        Assert.Equal("bad.csv: Line 2 has 1 fields but the header has 2.", await Rejected(zip, FileKind.Zip));
        byte[] latin1 = Zips.Create(CompressionLevel.Optimal, ("l.csv", [0x61, 0x0A, 0xE9, 0x0A]));
        Assert.Contains("l.csv: The file is not UTF-8", await Rejected(latin1, FileKind.Zip));
    }

    [Fact]
    public async Task Unsupported_compression_and_corrupt_data_are_rejected()
    {
        byte[] lzma = Zips.SetMethod(Zips.Text(("a.csv", Csv)), method: 14);
        Assert.Contains("damaged or uses an unsupported", await Rejected(lzma, FileKind.Zip));

        byte[] zip = Zips.Repeated("a.csv", "a\n", "12345\n", 1 << 20);
        int middle = zip.Length / 3;
        for (int i = 0; i < 64; i++)
        {
            zip[middle + i] ^= 0x5A;
        }

        Assert.IsType<ProfileOutcome.Rejected>(await Run(zip, FileKind.Zip));
    }

    [Fact]
    public async Task Random_corruption_of_a_valid_archive_never_escapes_as_an_exception()
    {
        // Not a fuzzer, but a few hundred deterministic mutations of every part of a small archive: each must end as
        // Ready or Rejected, never as an exception from the ZIP reader.
        byte[] valid = Zips.Text(("a.csv", "id,v\n1,x\n2,y\n"), ("b.jsonl", "{\"k\":1}\n"), ("c.tsv", "t\n1\n"));
        var random = new Random(11);
        for (int round = 0; round < 400; round++)
        {
            byte[] mutated = (byte[])valid.Clone();
            switch (round % 3)
            {
                case 0:
                    for (int i = 0; i < 1 + (round % 5); i++)
                    {
                        mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                    }

                    break;
                case 1:
                    mutated = mutated[..random.Next(mutated.Length)];
                    break;
                default:
                    int at = random.Next(mutated.Length - 4);
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(mutated.AsSpan(at), (uint)random.Next());
                    break;
            }

            var outcome = await Run(mutated, FileKind.Zip);
            Assert.True(outcome is ProfileOutcome.Ready or ProfileOutcome.Rejected);
        }
    }

    [Fact]
    public async Task A_zip_must_come_as_a_seekable_stream()
    {
        await Assert.ThrowsAsync<ArgumentException>(() =>
            FileProfiler.ProfileAsync(new NonSeekable(Zips.Text(("a.csv", Csv))), FileKind.Zip, new ProfileLimits(), CancellationToken.None));
    }

    [Fact]
    public async Task Failures_of_the_stream_itself_propagate_as_io_errors()
    {
        byte[] zip = Zips.Repeated("a.csv", "a\n", "12345\n", 4 << 20);
        await Assert.ThrowsAsync<IOException>(() =>
            FileProfiler.ProfileAsync(new CountingStream(zip) { FailAfter = zip.Length / 2 }, FileKind.Zip, new ProfileLimits(), CancellationToken.None));

        byte[] csv = Encoding.UTF8.GetBytes("a\n" + string.Concat(Enumerable.Repeat("1\n", 500_000)));
        await Assert.ThrowsAsync<IOException>(() =>
            FileProfiler.ProfileAsync(new CountingStream(csv) { FailAfter = 1 << 19 }, FileKind.Csv, new ProfileLimits(), CancellationToken.None));
    }

    [Fact]
    public async Task Cancellation_propagates()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            FileProfiler.ProfileAsync(new MemoryStream(Zips.Text(("a.csv", Csv))), FileKind.Zip, new ProfileLimits(), cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            FileProfiler.ProfileAsync(new MemoryStream(Encoding.UTF8.GetBytes(Csv)), FileKind.Csv, new ProfileLimits(), cancelled.Token));
    }

    private sealed class NonSeekable(byte[] content) : MemoryStream(content, writable: false)
    {
        public override bool CanSeek => false;
    }
}
