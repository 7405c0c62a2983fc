namespace Enclave.Core.Profiling;

/// <summary>Profiles one CSV, TSV or JSON lines stream (a plain file or one ZIP entry) into one table.</summary>
internal static class TextTable
{
    public static async Task<TableProfile> ReadAsync(
        Stream content, FileKind kind, string name, ReadGuard guard, ProfileLimits limits, CancellationToken cancellationToken)
    {
        var text = new TextBuffer(content, guard, limits.MaxLineBytes);
        var table = new TableBuilder(limits);
        switch (kind)
        {
            case FileKind.Csv:
                await new CsvTableReader(text, (byte)',', limits, table).ReadAsync(cancellationToken);
                break;
            case FileKind.Tsv:
                await new CsvTableReader(text, (byte)'\t', limits, table).ReadAsync(cancellationToken);
                break;
            case FileKind.JsonLines:
                await new JsonLinesTableReader(text, limits, table).ReadAsync(cancellationToken);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a text table format.");
        }

        return table.Build(name, kind);
    }
}
