using System.Text;

using Enclave.Core.Profiling;

using static Enclave.Tests.Unit.Profiling.Profiles;

namespace Enclave.Tests.Unit.Profiling;

public sealed class CsvCorpusTests
{
    [Fact]
    public async Task A_line_longer_than_the_limit_is_rejected_with_its_line_number()
    {
        var limits = new ProfileLimits { MaxLineBytes = 1024 };
        string reason = await Rejected("a,b\n1,2\n" + new string('x', 5000) + ",1\n3,4\n", FileKind.Csv, limits);
        Assert.Contains("Line 3 is longer than the limit of 1 KiB", reason);

        // The same at the production default (1 MiB), where the line does not even fit the buffer.
        reason = await Rejected("a,b\n" + new string('x', 3 << 20) + ",1\n");
        Assert.Contains("Line 2 is longer than the limit of 1 MiB", reason);

        // A quoted field that never ends on the line counts towards the same limit.
        reason = await Rejected("a,b\n\"" + string.Concat(Enumerable.Repeat("text\n", 400)) + "\",1\n", FileKind.Csv, limits);
        Assert.Contains("Line 2 is longer", reason);
    }

    [Fact]
    public async Task A_line_just_under_the_limit_is_accepted()
    {
        var limits = new ProfileLimits { MaxLineBytes = 1024 };
        var table = await Table("a,b\n" + new string('x', 1000) + ",1\n", FileKind.Csv, limits);
        Assert.Equal(1, table.RowCount);
        Assert.EndsWith("…", table.Column("a").TopValues[0].Value);
    }

    [Fact]
    public async Task Latin1_bytes_are_rejected_as_not_utf8_with_the_line()
    {
        string reason = await Rejected(Bytes("name,city\nx,Z\u00fcrich\n", new byte[] { 0x63, 0x61, 0x66, 0xE9 }, ",Paris\n"), FileKind.Csv);
        Assert.Contains("not UTF-8", reason);
        Assert.Contains("line 3", reason);
    }

    [Theory]
    [InlineData("utf-16")]
    [InlineData("utf-16BE")]
    [InlineData("utf-32")]
    public async Task Utf16_and_utf32_with_a_byte_order_mark_are_rejected(string encodingName)
    {
        var encoding = Encoding.GetEncoding(encodingName);
        string reason = await Rejected([.. encoding.GetPreamble(), .. encoding.GetBytes("a,b\n1,2\n")], FileKind.Csv);
        Assert.Contains("UTF-16 or UTF-32", reason);
        Assert.Contains("must be UTF-8", reason);
    }

    [Fact]
    public async Task Utf16_without_a_byte_order_mark_is_rejected_for_its_nul_bytes()
    {
        string reason = await Rejected(Encoding.Unicode.GetBytes("a,b\n1,2\n"), FileKind.Csv);
        Assert.Contains("not UTF-8", reason);
        Assert.Contains("NUL", reason);
    }

    [Fact]
    public async Task Nul_bytes_in_text_are_rejected()
    {
        string reason = await Rejected("a,b\n1,2\n3,x\0y\n");
        Assert.Equal("The file is not UTF-8 text: line 3 contains a NUL byte.", reason);
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 0xAF })] // overlong '/'
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // UTF-16 surrogate encoded as UTF-8
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })] // above U+10FFFF
    [InlineData(new byte[] { 0x80 })] // lone continuation byte
    public async Task Malformed_utf8_sequences_are_rejected(byte[] bad)
    {
        Assert.Contains("not UTF-8", await Rejected(Bytes("a\nx", bad, "\n"), FileKind.Csv));
    }

    [Fact]
    public async Task A_multibyte_character_cut_off_at_the_end_of_the_file_is_rejected()
    {
        Assert.Contains("not UTF-8", await Rejected(Bytes("a\ncaf", new byte[] { 0xC3 }), FileKind.Csv));
    }

    [Fact]
    public async Task A_utf8_byte_order_mark_is_accepted_and_not_part_of_the_first_name()
    {
        var profile = await Ready(Bytes(new byte[] { 0xEF, 0xBB, 0xBF }, "id,name\n1,Zoë\n"), FileKind.Csv);
        var table = Assert.Single(profile.Tables);
        Assert.Equal(["id", "name"], table.Columns.Select(c => c.Name));
        Assert.Equal("Zoë", table.Column("name").TopValues[0].Value);
    }

    [Fact]
    public async Task An_unbalanced_quote_is_rejected_with_the_line_it_opens_on()
    {
        string reason = await Rejected("a,b\n1,2\n3,\"never closed\n4,5\n");
        Assert.Equal("Line 3: a quoted field is not closed before the end of the file.", reason);
    }

    [Fact]
    public async Task Ragged_rows_are_rejected_with_the_row_line_and_counts()
    {
        Assert.Equal("Line 3 has 2 fields but the header has 3.", await Rejected("a,b,c\n1,2,3\n4,5\n6,7,8\n"));
        Assert.Equal("Line 2 has 4 fields but the header has 3.", await Rejected("a,b,c\n1,2,3,4\n"));
    }

    [Fact]
    public async Task Quoted_fields_may_hold_newlines_delimiters_and_doubled_quotes()
    {
        var table = await Table("a,b\n\"line one\nline two\",\"x, \"\"quoted\"\" y\"\n\"\",plain\n");
        Assert.Equal(2, table.RowCount);
        Assert.Equal("line one\nline two", table.Column("a").TopValues[0].Value);
        Assert.Equal(1, table.Column("a").NullCount); // "" is an empty field, so null
        Assert.Equal("x, \"quoted\" y", table.Preview[0][1]);
    }

    [Fact]
    public async Task Line_numbers_after_a_multiline_record_count_its_embedded_newlines()
    {
        string reason = await Rejected("a,b\n\"1\n2\n3\",x\n\"p\"\"q\n\",y\nonly-one-field\n");
        Assert.Equal("Line 7 has 1 fields but the header has 2.", reason);
    }

    [Fact]
    public async Task Crlf_and_lf_line_endings_are_both_accepted_even_mixed()
    {
        var crlf = await Table("a,b\r\n1,2\r\n3,4\r\n");
        var mixed = await Table("a,b\r\n1,2\n3,4\r\n");
        var noFinalNewline = await Table("a,b\r\n1,2\r\n3,4");
        foreach (var table in new[] { crlf, mixed, noFinalNewline })
        {
            Assert.Equal(2, table.RowCount);
            Assert.Equal(["a", "b"], table.Columns.Select(c => c.Name));
            Assert.Equal("integer", table.Column("b").Type);
            Assert.Equal(4, table.Column("b").Max.Number());
        }
    }

    [Fact]
    public async Task A_lone_carriage_return_is_rejected()
    {
        Assert.Equal("Line 2 has a carriage return that is not followed by a line feed.", await Rejected("a,b\n1,2\r3,4\n"));
    }

    [Fact]
    public async Task A_quote_inside_an_unquoted_field_or_text_after_a_closing_quote_is_rejected()
    {
        Assert.Contains("Line 2: a quote inside an unquoted field", await Rejected("a,b\n5\" pipe,2\n"));
        Assert.Contains("Line 2: unexpected text after a closing quote", await Rejected("a,b\n\"x\"y,2\n"));
    }

    [Fact]
    public async Task An_empty_file_is_rejected()
    {
        Assert.Equal("The file is empty; a header row is required.", await Rejected(""));
        Assert.Equal("The file is empty; a header row is required.", await Rejected(new byte[] { 0xEF, 0xBB, 0xBF }, FileKind.Csv));
        Assert.Equal("The file is empty; a header row is required.", await Rejected("\n\r\n\n"));
    }

    [Fact]
    public async Task A_header_only_file_is_a_table_with_no_rows_and_empty_columns()
    {
        var table = await Table("id,name,amount\n");
        Assert.Equal(0, table.RowCount);
        Assert.Equal(["id", "name", "amount"], table.Columns.Select(c => c.Name));
        Assert.All(table.Columns, c =>
        {
            Assert.Equal("empty", c.Type);
            Assert.Equal(0, c.NullCount);
            Assert.Equal(0, c.DistinctEstimate);
            Assert.Empty(c.TopValues);
            Assert.Null(c.Histogram);
        });
    }

    [Fact]
    public async Task More_columns_than_the_limit_are_rejected()
    {
        Assert.Equal("Line 1 has more than 5 columns.", await Rejected("a,b,c,d,e,f\n", FileKind.Csv, new ProfileLimits { MaxColumns = 5 }));
        var limitOk = await Table("a,b,c,d,e\n1,2,3,4,5\n", FileKind.Csv, new ProfileLimits { MaxColumns = 5 });
        Assert.Equal(5, limitOk.Columns.Count);

        string header = string.Join(',', Enumerable.Range(1, 501).Select(i => $"c{i}"));
        Assert.Equal("Line 1 has more than 500 columns.", await Rejected(header + "\n"));
        string row = string.Join(',', Enumerable.Range(1, 600));
        Assert.Equal("Line 2 has more than 2 columns.", await Rejected("a,b\n" + row + "\n", FileKind.Csv, new ProfileLimits { MaxColumns = 2 }));
    }

    [Fact]
    public async Task Blank_and_duplicate_header_names_are_made_unique()
    {
        var table = await Table("a,,A,a,\"\"\n1,2,3,4,5\n");
        Assert.Equal(["a", "column_2", "A_2", "a_3", "column_5"], table.Columns.Select(c => c.Name));
    }

    [Fact]
    public async Task Very_long_header_names_are_cut()
    {
        var table = await Table(new string('n', 1000) + "," + new string('n', 300) + "\n1,2\n");
        Assert.Equal(256, table.Columns[0].Name.Length);
        Assert.Equal(new string('n', 256) + "_2", table.Columns[1].Name);
    }

    [Fact]
    public async Task Blank_lines_are_skipped()
    {
        var table = await Table("a,b\n\n1,2\n\r\n3,4\n\n");
        Assert.Equal(2, table.RowCount);
    }

    [Fact]
    public async Task Tsv_uses_tabs_and_keeps_commas_as_text()
    {
        var profile = await Ready(Encoding.UTF8.GetBytes("name\tamount\nSmith, J\t1,5\n\"tab\there\"\t2\n"), FileKind.Tsv);
        var table = Assert.Single(profile.Tables);
        Assert.Equal(FileKind.Tsv, table.Format);
        Assert.Equal(["Smith, J", "tab\there"], table.Preview.Select(row => row[0]));
        Assert.Equal("string", table.Column("amount").Type); // "1,5" is not a number
    }

    [Fact]
    public async Task Records_crossing_buffer_boundaries_are_read_exactly()
    {
        // A small line limit gives the smallest buffer (64 KiB margin + 64 bytes), so a megabyte takes a few dozen
        // refills and compactions, and quoted newlines, doubled quotes and CRLFs land on buffer boundaries.
        // The profile must match what was generated.
        var random = new Random(7);
        var builder = new StringBuilder("id,text,value\r\n");
        var texts = new Dictionary<string, int>();
        long sum = 0;
        const int rows = 40_000;
        for (int i = 0; i < rows; i++)
        {
            string text = (i % 5) switch
            {
                0 => "plain",
                1 => "two\nlines",
                2 => "say \"hi\"",
                3 => "comma, inside",
                _ => "crlf\r\nin",
            };
            texts[text] = texts.GetValueOrDefault(text) + 1;
            int value = random.Next(-1000, 1000);
            sum += value;
            string quoted = "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            builder.Append(i).Append(',').Append(quoted).Append(',').Append(value).Append(i % 3 == 0 ? "\r\n" : "\n");
        }

        var limits = new ProfileLimits { MaxLineBytes = 64 };
        var outcome = await FileProfiler.ProfileAsync(
            new ChunkedStream(Encoding.UTF8.GetBytes(builder.ToString()), seed: 3), FileKind.Csv, limits, CancellationToken.None);
        var table = Assert.Single(Assert.IsType<ProfileOutcome.Ready>(outcome).Profile.Tables);

        Assert.Equal(rows, table.RowCount);
        Assert.Equal(rows, table.Column("id").DistinctEstimate, tolerance: rows * 0.02);
        Assert.Equal(rows - 1, table.Column("id").Max.Number());
        Assert.Equal(texts.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => (t.Key, (long)t.Value)),
            table.Column("text").TopValues.Select(v => (v.Value, v.Count)).OrderBy(t => t.Value, StringComparer.Ordinal));
        Assert.Equal((double)sum / rows, table.Column("value").Mean!.Value, 9);
    }

    /// <summary>Hands out the content in small, irregular reads, like a network stream.</summary>
    private sealed class ChunkedStream(byte[] content, int seed) : Stream
    {
        private readonly Random random = new(seed);
        private int position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, random.Next(1, 5000)), content.Length - position);
            content.AsSpan(position, n).CopyTo(buffer.AsSpan(offset));
            position += n;
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
