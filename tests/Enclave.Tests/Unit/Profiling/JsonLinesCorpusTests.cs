using System.Text;

using Enclave.Core.Profiling;

using static Enclave.Tests.Unit.Profiling.Profiles;

namespace Enclave.Tests.Unit.Profiling;

public sealed class JsonLinesCorpusTests
{
    [Theory]
    [InlineData("[1,2]")]
    [InlineData("42")]
    [InlineData("\"text\"")]
    [InlineData("null")]
    [InlineData("true")]
    public async Task A_line_that_is_not_an_object_is_rejected_with_its_line_number(string line)
    {
        Assert.Equal("Line 3 is not a JSON object.", await Rejected("{\"a\":1}\n\n" + line + "\n{\"a\":2}\n", FileKind.JsonLines));
    }

    [Theory]
    [InlineData("{\"a\":1,}")]
    [InlineData("{\"a\":1")]
    [InlineData("{'a':1}")]
    [InlineData("{\"a\":01}")]
    [InlineData("{\"a\":NaN}")]
    [InlineData("{\"a\":1} // comment")]
    [InlineData("{\"a\":\"\\ud800\"}")]
    public async Task Invalid_json_is_rejected_with_its_line_number(string line)
    {
        Assert.Equal("Line 2 is not valid JSON.", await Rejected("{\"a\":1}\n" + line + "\n", FileKind.JsonLines));
    }

    [Fact]
    public async Task Two_values_on_one_line_are_rejected()
    {
        Assert.Equal("Line 1 is not valid JSON.", await Rejected("{\"a\":1}{\"a\":2}\n", FileKind.JsonLines));
    }

    [Fact]
    public async Task Nesting_is_bounded_and_deep_documents_are_rejected_not_crashed_on()
    {
        static string Nested(int levels) => "{\"a\":" + string.Concat(Enumerable.Repeat("[", levels - 1)) + "1" +
                                             string.Concat(Enumerable.Repeat("]", levels - 1)) + "}";

        var ok = await Table(Nested(16) + "\n", FileKind.JsonLines);
        Assert.Equal("string", ok.Column("a").Type);
        Assert.Equal("Line 1 nests objects or arrays deeper than 16 levels.", await Rejected(Nested(17) + "\n", FileKind.JsonLines));
        Assert.Equal("Line 2 nests objects or arrays deeper than 16 levels.",
            await Rejected("{}\n" + Nested(100_000) + "\n", FileKind.JsonLines, new ProfileLimits { MaxLineBytes = 1 << 20 }));
        Assert.Equal("Line 1 nests objects or arrays deeper than 3 levels.",
            await Rejected("{\"a\":{\"b\":{\"c\":{}}}}\n", FileKind.JsonLines, new ProfileLimits { MaxJsonDepth = 3 }));
    }

    [Fact]
    public async Task Columns_are_the_union_of_keys_in_first_seen_order_and_missing_keys_are_nulls()
    {
        var table = await Table("""
            {"id":1,"name":"a"}
            {"id":2,"city":"Oslo"}
            {"name":"c","id":3,"score":1.5}
            {"id":4,"name":null,"city":null}
            """, FileKind.JsonLines);
        Assert.Equal(4, table.RowCount);
        Assert.Equal(["id", "name", "city", "score"], table.Columns.Select(c => c.Name));
        Assert.Equal(0, table.Column("id").NullCount);
        Assert.Equal(2, table.Column("name").NullCount);
        Assert.Equal(3, table.Column("city").NullCount);
        Assert.Equal(3, table.Column("score").NullCount);
        Assert.Equal("integer", table.Column("id").Type);
        Assert.Equal(2.5, table.Column("id").Mean);
    }

    [Fact]
    public async Task Json_null_counts_as_null_and_a_column_of_only_nulls_is_empty()
    {
        var table = await Table("{\"a\":null,\"b\":1}\n{\"a\":null,\"b\":null}\n", FileKind.JsonLines);
        Assert.Equal("empty", table.Column("a").Type);
        Assert.Equal(2, table.Column("a").NullCount);
        Assert.Equal(1, table.Column("b").NullCount);
    }

    [Fact]
    public async Task Nested_values_are_strings_holding_their_raw_json()
    {
        var table = await Table("{\"tags\":[\"x\",\"y\"],\"meta\":{\"k\":[1,{\"z\":null}]}}\n{\"tags\":[\"x\",\"y\"]}\n", FileKind.JsonLines);
        Assert.Equal("string", table.Column("tags").Type);
        Assert.Equal(new ValueCount("[\"x\",\"y\"]", 2, 2), table.Column("tags").TopValues[0]);
        Assert.Equal("{\"k\":[1,{\"z\":null}]}", table.Column("meta").TopValues[0].Value);
    }

    [Fact]
    public async Task Json_types_map_to_column_types()
    {
        var table = await Table("""
            {"i":1,"n":1.5,"b":true,"s":"12","d":"2024-02-29","t":"2024-02-29T10:11:12.5+01:00","mixed":1}
            {"i":-7,"n":2,"b":false,"s":"x","d":"2024-03-01","t":"2024-03-01","mixed":"1"}
            """, FileKind.JsonLines);
        Assert.Equal("integer", table.Column("i").Type);
        Assert.Equal("number", table.Column("n").Type);
        Assert.Equal("boolean", table.Column("b").Type);
        Assert.Equal("string", table.Column("s").Type);
        Assert.Equal("date", table.Column("d").Type);
        Assert.Equal("timestamp", table.Column("t").Type);
        Assert.Equal("string", table.Column("mixed").Type);
        Assert.Equal(-7, table.Column("i").Min.Number());
        Assert.Equal("12", table.Column("s").Min?.GetString()); // ordinal: digits sort before letters
        Assert.Equal("2024-03-01T00:00:00", table.Column("t").Max?.GetString());
        Assert.Equal("2024-02-29T09:11:12.5", table.Column("t").Min?.GetString()); // the offset is converted to UTC
    }

    [Fact]
    public async Task Escaped_keys_and_strings_are_unescaped_and_match_plain_ones()
    {
        var table = await Table("{\"caf\\u00e9\":\"a\\nb\"}\n{\"café\":\"a\\u000ab\"}\n", FileKind.JsonLines);
        var column = Assert.Single(table.Columns);
        Assert.Equal("café", column.Name);
        Assert.Equal(new ValueCount("a\nb", 2, 2), column.TopValues[0]);
    }

    [Fact]
    public async Task A_repeated_key_in_one_object_is_rejected()
    {
        Assert.Equal("Line 2 has the same key twice.", await Rejected("{\"a\":1}\n{\"a\":1,\"b\":2,\"a\":3}\n", FileKind.JsonLines));
        Assert.Equal("Line 1 has the same key twice.", await Rejected("{\"a\":1,\"\\u0061\":2}\n", FileKind.JsonLines));
    }

    [Fact]
    public async Task Invalid_utf8_is_rejected()
    {
        string reason = await Rejected(Bytes("{\"a\":\"ok\"}\n{\"a\":\"", new byte[] { 0xFF, 0xFE }, "\"}\n"), FileKind.JsonLines);
        Assert.Equal("The file is not UTF-8 text: line 2 has bytes that are not UTF-8.", reason);
        Assert.Contains("UTF-16", await Rejected(Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("{}\n")).ToArray(), FileKind.JsonLines));
    }

    [Fact]
    public async Task Blank_lines_and_crlf_are_fine_but_no_objects_at_all_is_rejected()
    {
        var table = await Table("\r\n{\"a\":1}\r\n   \r\n{\"a\":2}", FileKind.JsonLines);
        Assert.Equal(2, table.RowCount);
        Assert.Equal("The file has no JSON objects.", await Rejected("\n \n\t\n", FileKind.JsonLines));
        Assert.Equal("The file has no JSON objects.", await Rejected("", FileKind.JsonLines));
    }

    [Fact]
    public async Task Objects_without_keys_are_rows_without_columns()
    {
        var table = await Table("{}\n{}\n", FileKind.JsonLines);
        Assert.Equal(2, table.RowCount);
        Assert.Empty(table.Columns);
    }

    [Fact]
    public async Task Too_many_keys_are_rejected()
    {
        var limits = new ProfileLimits { MaxColumns = 3 };
        Assert.Equal("The data has more than 3 columns.", await Rejected("{\"a\":1,\"b\":1}\n{\"c\":1,\"d\":1}\n", FileKind.JsonLines, limits));
    }

    [Fact]
    public async Task A_line_longer_than_the_limit_is_rejected()
    {
        var limits = new ProfileLimits { MaxLineBytes = 100 };
        Assert.Equal("Line 2 is longer than the limit of 100 bytes.",
            await Rejected("{\"a\":1}\n{\"a\":\"" + new string('x', 200) + "\"}\n", FileKind.JsonLines, limits));
    }
}
