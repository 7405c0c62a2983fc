using System.Text;
using System.Text.Json;

namespace Enclave.Core.Profiling;

/// <summary>
/// JSON lines: every non-blank line is one JSON object, read with <see cref="Utf8JsonReader"/> straight from the
/// buffer. Columns are the union of top-level keys in first-seen order; a key missing from a row is a null there, as
/// is JSON null. Numbers are integer/number, true/false boolean, strings are text unless they hold an ISO date or
/// timestamp (JSON has no such types; quoted digits stay text), and nested objects or arrays count as strings whose
/// value is their raw JSON text. A line that is not one object, nests deeper than the limit or repeats a key is a
/// rejection with its line number.
/// </summary>
internal sealed class JsonLinesTableReader(TextBuffer text, ProfileLimits limits, TableBuilder table) : IRecordParser
{
    /// <summary>Longest key accepted, in bytes (after unescaping). Keys live as long as the file's columns do.</summary>
    public const int MaxKeyBytes = 1024;

    private readonly Dictionary<string, int> columnOf = new(StringComparer.Ordinal);
    private byte[] unescaped = new byte[256];
    private char[] keyChars = new char[256];

    public async Task ReadAsync(CancellationToken cancellationToken)
    {
        await text.ParseAllAsync(this, cancellationToken);
        if (table.Rows == 0)
        {
            throw new ProfileRejectedException("The file has no JSON objects.");
        }
    }

    public int ParseRecords(Span<byte> data, bool final)
    {
        int position = 0;
        while (position < data.Length)
        {
            int lineFeed = data[position..].IndexOf((byte)'\n');
            if (lineFeed < 0 && !final)
            {
                break;
            }

            int length = lineFeed < 0 ? data.Length - position : lineFeed + 1;
            if (length > limits.MaxLineBytes)
            {
                throw text.TooLong(position);
            }

            var line = data.Slice(position, lineFeed < 0 ? length : lineFeed);
            if (!line.Trim(" \t\r"u8).IsEmpty)
            {
                ParseLine(line, position);
            }

            position += length;
        }

        return position;
    }

    private void ParseLine(ReadOnlySpan<byte> line, int position)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions
        {
            // Ours is checked first, with a clearer message; the reader's own limit is the backstop.
            MaxDepth = limits.MaxJsonDepth + 2,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        });
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Reject(position, "is not a JSON object");
            }

            long row = ++table.Rows;
            int predicted = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = Unescape(ref reader);
                if (key.Length > MaxKeyBytes)
                {
                    // Keys are kept for the whole file (one per column), so their size must not scale with the line limit.
                    throw Reject(position, $"has a key longer than {MaxKeyBytes} bytes");
                }

                var column = Find(key, ref predicted);
                if (column.LastRow == row)
                {
                    throw Reject(position, "has the same key twice");
                }

                column.LastRow = row;
                reader.Read();
                AddValue(ref reader, line, column, position, row);
            }

            if (reader.Read())
            {
                throw Reject(position, "holds more than one JSON value");
            }
        }
        catch (JsonException)
        {
            throw Reject(position, "is not valid JSON");
        }
        catch (InvalidOperationException)
        {
            // Thrown when an escape sequence cannot be transcoded (e.g. a lone surrogate \ud800).
            throw Reject(position, "is not valid JSON");
        }
    }

    private void AddValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> line, ColumnStats column, int position, long row)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                var value = Unescape(ref reader);
                column.AddTyped(ValueClassifier.ClassifyJsonString(value, out double seconds), seconds, value, row);
                break;
            case JsonTokenType.Number:
                var kind = ValueClassifier.ClassifyJsonNumber(reader.ValueSpan, out double number);
                column.AddTyped(kind, number, reader.ValueSpan, row);
                break;
            case JsonTokenType.True or JsonTokenType.False:
                column.AddTyped(ValueKind.Boolean, 0, reader.ValueSpan, row);
                break;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                int start = (int)reader.TokenStartIndex;
                SkipNested(ref reader, position);
                column.AddTyped(ValueKind.String, 0, line[start..(int)reader.BytesConsumed], row);
                break;
            default:
                // JsonTokenType.Null: counted as a null through the row count.
                break;
        }
    }

    // Reads to the end of the container that starts at the current token, enforcing the nesting limit.
    private void SkipNested(ref Utf8JsonReader reader, int position)
    {
        int depth = reader.CurrentDepth;
        CheckDepth(ref reader, position);
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                CheckDepth(ref reader, position);
            }
            else if (reader.CurrentDepth == depth)
            {
                return;
            }
        }
    }

    // A start token at depth d opens nesting level d + 1 (the line's own object is level 1).
    private void CheckDepth(ref Utf8JsonReader reader, int position)
    {
        if (reader.CurrentDepth + 1 > limits.MaxJsonDepth)
        {
            throw Reject(position, $"nests objects or arrays deeper than {limits.MaxJsonDepth} levels");
        }
    }

    private ReadOnlySpan<byte> Unescape(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }

        if (unescaped.Length < reader.ValueSpan.Length)
        {
            unescaped = new byte[Math.Max(reader.ValueSpan.Length, unescaped.Length * 2)];
        }

        int written = reader.CopyString(unescaped);
        return unescaped.AsSpan(0, written);
    }

    // Rows usually repeat the key order of the first row, so try the next expected column before a dictionary lookup.
    private ColumnStats Find(ReadOnlySpan<byte> key, ref int predicted)
    {
        if (predicted < table.ColumnCount && table[predicted].Utf8Key.AsSpan().SequenceEqual(key))
        {
            return table[predicted++];
        }

        if (keyChars.Length < key.Length)
        {
            keyChars = new char[Math.Max(key.Length, keyChars.Length * 2)];
        }

        var name = keyChars.AsSpan(0, Encoding.UTF8.GetChars(key, keyChars));
        if (!columnOf.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out int index))
        {
            index = table.ColumnCount;
            string keyText = name.ToString();
            table.AddColumn(keyText);
            columnOf.Add(keyText, index);
        }

        predicted = index + 1;
        return table[index];
    }

    private ProfileRejectedException Reject(int position, string problem) => new($"Line {text.LineAt(position)} {problem}.");
}
