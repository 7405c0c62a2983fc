using System.IO.Compression;
using System.Text;

using Enclave.Core.Profiling;
using Enclave.Core.Uploads;

using static Enclave.Tests.Unit.Profiling.Profiles;

namespace Enclave.Tests.Unit.Profiling;

public sealed class GzipCorpusTests
{
    private const string Csv = "id,amount,when\n1,9.5,2024-01-02\n2,10,2024-03-04\n3,,2023-12-31\n";

    private static byte[] Gzip(params string[] members)
    {
        using var output = new MemoryStream();
        foreach (string member in members)
        {
            using var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
            gzip.Write(Encoding.UTF8.GetBytes(member));
        }

        return output.ToArray();
    }

    [Fact]
    public async Task A_gzip_csv_profiles_exactly_as_the_plain_file()
    {
        var plain = Assert.Single((await Ready(Encoding.UTF8.GetBytes(Csv), FileKind.Csv)).Tables);
        var gzipped = Assert.Single((await Ready(Gzip(Csv), FileKind.CsvGzip)).Tables);
        Assert.Equal(FileKind.Csv, gzipped.Format);
        Assert.Equal(3, gzipped.RowCount);
        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(plain, ProfileJsonContext.Default.TableProfile),
            System.Text.Json.JsonSerializer.Serialize(gzipped, ProfileJsonContext.Default.TableProfile));
    }

    [Fact]
    public async Task Tsv_and_json_lines_inside_gzip_are_read_as_their_format()
    {
        var tsv = Assert.Single((await Ready(Gzip("name\tage\nAda\t36\nAlan\t41\n"), FileKind.TsvGzip)).Tables);
        Assert.Equal((FileKind.Tsv, 2L, "integer"), (tsv.Format, tsv.RowCount, tsv.Column("age").Type));
        var json = Assert.Single((await Ready(Gzip("{\"kind\":\"click\"}\n{\"kind\":\"view\",\"ms\":12}\n"), FileKind.JsonLinesGzip)).Tables);
        Assert.Equal((FileKind.JsonLines, 2L), (json.Format, json.RowCount));
        Assert.Equal(["kind", "ms"], json.Columns.Select(c => c.Name));
    }

    [Fact]
    public async Task Every_member_of_a_multi_member_file_is_read()
    {
        var table = Assert.Single((await Ready(Gzip("id\n1\n2\n", "3\n4\n", "5\n"), FileKind.CsvGzip)).Tables);
        Assert.Equal(5, table.RowCount);
        Assert.Equal(5.0, table.Column("id").Max.Number());
    }

    [Fact]
    public async Task A_gzip_bomb_is_stopped_by_the_ratio_bound_on_the_decompressed_stream()
    {
        // 64 MiB of one repeated row compresses about 1000:1; the header's declared size (ISIZE) is never consulted.
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write("n\n"u8);
            byte[] rows = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("1\n", 1 << 19)));
            for (int i = 0; i < 64; i++)
            {
                gzip.Write(rows);
            }
        }

        var stream = new CountingStream(output.ToArray());
        var outcome = await FileProfiler.ProfileAsync(stream, FileKind.CsvGzip, new ProfileLimits(), CancellationToken.None);
        Assert.Contains("compressed more than 100:1", Assert.IsType<ProfileOutcome.Rejected>(outcome).Reason);
        Assert.True(stream.BytesRead < output.Length, "the whole bomb was read before it was refused");
    }

    [Fact]
    public async Task The_size_bound_applies_to_the_decompressed_bytes()
    {
        string rows = "n\n" + string.Concat(Enumerable.Range(0, 50_000).Select(i => $"{i % 1000}\n"));
        var limits = new ProfileLimits { MaxUncompressedBytes = 100_000, MaxCompressionRatio = 1_000 };
        byte[] gzip = Gzip(rows);
        Assert.True(gzip.Length < 100_000);
        Assert.Contains("larger than the limit", await Rejected(gzip, FileKind.CsvGzip, limits));
    }

    [Fact]
    public async Task Damaged_truncated_or_foreign_bytes_are_rejected_in_plain_words()
    {
        byte[] gzip = Gzip(Csv);
        byte[] badCrc = [.. gzip];
        badCrc[^8] ^= 0xFF;
        byte[] badLength = [.. gzip];
        badLength[^1] ^= 0x01;
        byte[] flipped = [.. gzip];
        flipped[gzip.Length / 2] ^= 0x55;

        var accepted = new List<string>();
        foreach (var (name, bytes) in new[]
                 {
                     ("bad crc", badCrc), ("bad length", badLength), ("flipped", flipped), ("truncated", gzip[..^12]),
                     ("plain text", Encoding.UTF8.GetBytes(Csv)), ("zip", Zips.Text(("a.csv", Csv))),
                 })
        {
            if (await Run(bytes, FileKind.CsvGzip) is not ProfileOutcome.Rejected rejected)
            {
                accepted.Add(name);
            }
            else if (!rejected.Reason.Contains("gzip", StringComparison.Ordinal))
            {
                accepted.Add($"{name}: {rejected.Reason}");
            }
        }

        Assert.Empty(accepted);
    }

    [Theory]
    [InlineData("orders.csv.gz", "application/gzip", FileKind.CsvGzip)]
    [InlineData("Orders.CSV.GZ", "application/x-gzip", FileKind.CsvGzip)]
    [InlineData("people.tsv.gz", "application/gzip", FileKind.TsvGzip)]
    [InlineData("events.jsonl.gz", "application/gzip", FileKind.JsonLinesGzip)]
    [InlineData("events.ndjson.gz", "application/gzip", FileKind.JsonLinesGzip)]
    public void Gzip_names_are_accepted_with_a_gzip_content_type(string fileName, string contentType, FileKind kind)
    {
        Assert.Null(FileTypes.CheckFileName(fileName));
        Assert.Equal(kind, FileTypes.KindOf(fileName));
        Assert.True(FileTypes.TryMatchContentType(fileName, contentType, out _));
        Assert.False(FileTypes.TryMatchContentType(fileName, "text/csv", out _));
    }

    [Theory]
    [InlineData("x.gz")]
    [InlineData("x.zip.gz")]
    [InlineData("x.tar.gz")]
    [InlineData(".gz")]
    public void Gzip_of_anything_else_is_refused(string fileName)
    {
        Assert.NotNull(FileTypes.CheckFileName(fileName));
        Assert.Null(FileTypes.KindOf(fileName));
    }
}
