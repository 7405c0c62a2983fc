using System.Text;
using System.Text.Unicode;

namespace Enclave.Core.Profiling;

/// <summary>A format's record parser, fed by <see cref="TextBuffer.ParseAllAsync"/>.</summary>
internal interface IRecordParser
{
    /// <summary>
    /// Parses the whole records at the start of <paramref name="visible"/> and returns how many bytes they took; an
    /// unfinished record at its end waits for more bytes. When <paramref name="final"/> is true nothing more comes.
    /// </summary>
    int ParseRecords(Span<byte> visible, bool final);
}

/// <summary>
/// Streams text through one fixed buffer of <c>maxRecordBytes</c> plus a read margin, so memory does not depend on
/// the file. Bytes are checked (UTF-8, no NUL) before a parser may see them: only the checked prefix up to the last
/// line feed (or everything, at the end) is <see cref="Visible"/>. A line feed never occurs inside a multi-byte UTF-8
/// sequence, so cutting there never splits a character.
/// </summary>
internal sealed class TextBuffer(Stream source, ReadGuard guard, int maxRecordBytes)
{
    private const int ReadMargin = 64 * 1024;

    private readonly byte[] buffer = new byte[maxRecordBytes + ReadMargin];
    private int start;
    private int end;
    private int checkedEnd;
    private int linesCountedTo;
    private long linesBefore;
    private bool begun;
    private bool sourceDone;

    private enum FillResult
    {
        /// <summary>More bytes are visible.</summary>
        More,

        /// <summary>The content has ended and every byte is visible.</summary>
        End,

        /// <summary>The buffer is full of one unfinished record: it is longer than the limit.</summary>
        Full,
    }

    /// <summary>Checked bytes not yet consumed. A parser may modify them in place (to unescape fields).</summary>
    private Span<byte> Visible => buffer.AsSpan(start, checkedEnd - start);

    /// <summary>True when <see cref="Visible"/> runs to the end of the content.</summary>
    private bool IsFinal => sourceDone && checkedEnd == end;

    // UTF-32 little-endian starts with the UTF-16 little-endian mark, so it is caught by that one.
    private static ReadOnlySpan<byte> Utf8Mark => [0xEF, 0xBB, 0xBF];

    private static ReadOnlySpan<byte> Utf16LittleEndianMark => [0xFF, 0xFE];

    private static ReadOnlySpan<byte> Utf16BigEndianMark => [0xFE, 0xFF];

    private static ReadOnlySpan<byte> Utf32BigEndianMark => [0x00, 0x00, 0xFE, 0xFF];

    /// <summary>Feeds the parser every checked stretch of the content, refilling the one buffer as records are consumed.</summary>
    public async Task ParseAllAsync(IRecordParser parser, CancellationToken cancellationToken)
    {
        FillResult fill;
        do
        {
            fill = await FillAsync(cancellationToken);
            if (fill == FillResult.Full)
            {
                throw TooLong(0);
            }

            start += parser.ParseRecords(Visible, IsFinal);
        }
        while (fill != FillResult.End);
    }

    /// <summary>The rejection for a record, at a position in the parser's span, that is longer than the limit.</summary>
    public ProfileRejectedException TooLong(int visibleOffset) =>
        new($"Line {LineAt(visibleOffset)} is longer than the limit of {Sizes.Format(maxRecordBytes)}.");

    /// <summary>The 1-based line number of a position in the span the parser was given, for rejection reasons.</summary>
    public long LineAt(int visibleOffset)
    {
        var uncounted = buffer.AsSpan(linesCountedTo, start + visibleOffset - linesCountedTo);
        return linesBefore + uncounted.Count((byte)'\n') + 1;
    }

    private async ValueTask<FillResult> FillAsync(CancellationToken cancellationToken)
    {
        if (IsFinal)
        {
            return FillResult.End;
        }

        Compact();
        if (end == buffer.Length)
        {
            return FillResult.Full;
        }

        while (end < buffer.Length && !sourceDone)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int read = await source.ReadAsync(buffer.AsMemory(end), cancellationToken);
            if (read == 0)
            {
                sourceDone = true;
            }
            else
            {
                guard.Add(read);
                end += read;
            }
        }

        if (!begun)
        {
            begun = true;
            SkipByteOrderMark();
        }

        int checkTo = end;
        if (!sourceDone)
        {
            int lastLineFeed = buffer.AsSpan(checkedEnd, end - checkedEnd).LastIndexOf((byte)'\n');
            checkTo = lastLineFeed < 0 ? checkedEnd : checkedEnd + lastLineFeed + 1;
        }

        CheckEncoding(checkedEnd, checkTo);
        checkedEnd = checkTo;
        return FillResult.More;
    }

    private void Compact()
    {
        if (start == 0)
        {
            return;
        }

        linesBefore += buffer.AsSpan(linesCountedTo, start - linesCountedTo).Count((byte)'\n');
        buffer.AsSpan(start, end - start).CopyTo(buffer);
        end -= start;
        checkedEnd -= start;
        start = 0;
        linesCountedTo = 0;
    }

    private void SkipByteOrderMark()
    {
        var head = buffer.AsSpan(0, end);
        if (head.StartsWith(Utf8Mark))
        {
            start = checkedEnd = linesCountedTo = 3;
        }
        else if (head.StartsWith(Utf16LittleEndianMark) || head.StartsWith(Utf16BigEndianMark) || head.StartsWith(Utf32BigEndianMark))
        {
            throw new ProfileRejectedException("The file is UTF-16 or UTF-32 encoded; it must be UTF-8 text.");
        }
    }

    private void CheckEncoding(int from, int to)
    {
        var span = buffer.AsSpan(from, to - from);
        int nul = span.IndexOf((byte)0);
        if (nul >= 0)
        {
            throw new ProfileRejectedException(
                $"The file is not UTF-8 text: line {LineAt(from - start + nul)} contains a NUL byte.");
        }

        if (!Utf8.IsValid(span))
        {
            throw new ProfileRejectedException(
                $"The file is not UTF-8 text: line {LineAt(from - start + FirstInvalid(span))} has bytes that are not UTF-8.");
        }
    }

    private static int FirstInvalid(ReadOnlySpan<byte> span)
    {
        int position = 0;
        while (position < span.Length && Rune.DecodeFromUtf8(span[position..], out _, out int consumed) == System.Buffers.OperationStatus.Done)
        {
            position += consumed;
        }

        return position;
    }
}
