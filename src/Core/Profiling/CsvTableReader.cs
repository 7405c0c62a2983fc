using System.Buffers;
using System.Text;

namespace Enclave.Core.Profiling;

/// <summary>
/// RFC 4180 records, strictly: fields may be quoted, quoted fields may hold the delimiter, line breaks and doubled
/// quotes; a quote inside an unquoted field, text after a closing quote, a lone carriage return, an unclosed quote,
/// a record with a different field count than the header, or one longer than the limit are rejections with the line
/// number. The first record is the header. Lines with no bytes at all are skipped; an empty field (quoted or not) is a
/// null. Records are parsed in place in the <see cref="TextBuffer"/>; nothing is copied per row.
/// </summary>
internal sealed class CsvTableReader : IRecordParser
{
    private readonly TextBuffer text;
    private readonly byte delimiter;
    private readonly ProfileLimits limits;
    private readonly TableBuilder table;
    private readonly SearchValues<byte> fieldEnds;
    private readonly int[] fieldStart;
    private readonly int[] fieldLength;
    private readonly bool[] fieldQuoted;
    private readonly bool[] fieldEscaped;
    private int fieldCount;
    private bool haveHeader;

    public CsvTableReader(TextBuffer text, byte delimiter, ProfileLimits limits, TableBuilder table)
    {
        this.text = text;
        this.delimiter = delimiter;
        this.limits = limits;
        this.table = table;
        fieldEnds = SearchValues.Create([delimiter, (byte)'"', (byte)'\r', (byte)'\n']);
        fieldStart = new int[limits.MaxColumns];
        fieldLength = new int[limits.MaxColumns];
        fieldQuoted = new bool[limits.MaxColumns];
        fieldEscaped = new bool[limits.MaxColumns];
    }

    private enum Status
    {
        Record,
        NeedMore,
        End,
    }

    public async Task ReadAsync(CancellationToken cancellationToken)
    {
        await text.ParseAllAsync(this, cancellationToken);
        if (!haveHeader)
        {
            throw new ProfileRejectedException("The file is empty; a header row is required.");
        }
    }

    public int ParseRecords(Span<byte> data, bool final)
    {
        int position = 0;
        while (true)
        {
            var record = data[position..];
            var status = ParseRecord(record, final, position, out int length);
            if (status != Status.Record)
            {
                return position;
            }

            if (length > limits.MaxLineBytes)
            {
                throw text.TooLong(position);
            }

            if (!(fieldCount == 1 && fieldLength[0] == 0 && !fieldQuoted[0]))
            {
                Unescape(record);
                Accept(record, position);
            }

            position += length;
        }
    }

    private void Accept(Span<byte> record, int position)
    {
        if (!haveHeader)
        {
            for (int i = 0; i < fieldCount; i++)
            {
                table.AddColumn(Encoding.UTF8.GetString(record.Slice(fieldStart[i], fieldLength[i])));
            }

            haveHeader = true;
            return;
        }

        if (fieldCount != table.ColumnCount)
        {
            throw new ProfileRejectedException(
                $"Line {text.LineAt(position)} has {fieldCount} fields but the header has {table.ColumnCount}.");
        }

        long row = ++table.Rows;
        for (int i = 0; i < fieldCount; i++)
        {
            if (fieldLength[i] != 0)
            {
                table[i].AddText(record.Slice(fieldStart[i], fieldLength[i]), row);
            }
        }
    }

    // Finds the fields of the record at the start of data. Offsets are relative to the record.
    private Status ParseRecord(ReadOnlySpan<byte> data, bool final, int position, out int length)
    {
        length = 0;
        fieldCount = 0;
        if (data.IsEmpty)
        {
            return final ? Status.End : Status.NeedMore;
        }

        int i = 0;
        while (true)
        {
            if (fieldCount == fieldStart.Length)
            {
                throw new ProfileRejectedException($"Line {text.LineAt(position)} has more than {limits.MaxColumns} columns.");
            }

            int end;
            if (i < data.Length && data[i] == '"')
            {
                int j = i + 1;
                bool escaped = false;
                while (true)
                {
                    int quote = data[j..].IndexOf((byte)'"');
                    if (quote < 0)
                    {
                        return final
                            ? throw new ProfileRejectedException(
                                $"Line {text.LineAt(position + i)}: a quoted field is not closed before the end of the file.")
                            : Status.NeedMore;
                    }

                    j += quote;
                    if (j + 1 < data.Length && data[j + 1] == '"')
                    {
                        escaped = true;
                        j += 2;
                        continue;
                    }

                    if (j + 1 == data.Length && !final)
                    {
                        return Status.NeedMore;
                    }

                    break;
                }

                AddField(i + 1, j - i - 1, quoted: true, escaped);
                end = j + 1;
                if (end < data.Length && data[end] != delimiter && data[end] != '\r' && data[end] != '\n')
                {
                    throw new ProfileRejectedException(
                        $"Line {text.LineAt(position + end)}: unexpected text after a closing quote.");
                }
            }
            else
            {
                int next = data[i..].IndexOfAny(fieldEnds);
                if (next < 0)
                {
                    if (!final)
                    {
                        return Status.NeedMore;
                    }

                    next = data.Length - i;
                }

                end = i + next;
                if (end < data.Length && data[end] == '"')
                {
                    throw new ProfileRejectedException(
                        $"Line {text.LineAt(position + end)}: a quote inside an unquoted field (quote the whole field and double the quote).");
                }

                AddField(i, end - i, quoted: false, escaped: false);
            }

            if (end == data.Length)
            {
                // Only reachable at the end of the content: the last record has no line break.
                length = end;
                return Status.Record;
            }

            byte c = data[end];
            if (c == delimiter)
            {
                i = end + 1;
                continue;
            }

            if (c == '\n')
            {
                length = end + 1;
                return Status.Record;
            }

            // c is '\r': only a CRLF pair (or a CR at the very end) ends a record.
            if (end + 1 < data.Length)
            {
                if (data[end + 1] != '\n')
                {
                    throw new ProfileRejectedException(
                        $"Line {text.LineAt(position + end)} has a carriage return that is not followed by a line feed.");
                }

                length = end + 2;
                return Status.Record;
            }

            if (!final)
            {
                return Status.NeedMore;
            }

            length = end + 1;
            return Status.Record;
        }
    }

    private void AddField(int start, int length, bool quoted, bool escaped)
    {
        fieldStart[fieldCount] = start;
        fieldLength[fieldCount] = length;
        fieldQuoted[fieldCount] = quoted;
        fieldEscaped[fieldCount] = escaped;
        fieldCount++;
    }

    // Turns doubled quotes into one, in place. The freed tail becomes spaces so line counting later is unchanged.
    private void Unescape(Span<byte> record)
    {
        for (int f = 0; f < fieldCount; f++)
        {
            if (!fieldEscaped[f])
            {
                continue;
            }

            var field = record.Slice(fieldStart[f], fieldLength[f]);
            int write = 0;
            for (int read = 0; read < field.Length; read++)
            {
                field[write++] = field[read];
                if (field[read] == '"')
                {
                    read++;
                }
            }

            field[write..].Fill((byte)' ');
            fieldLength[f] = write;
        }
    }
}
