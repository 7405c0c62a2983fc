using System.Globalization;
using System.Text;
using System.Text.Json;

using Enclave.Core.Audit;
using Enclave.Core.Storage;

namespace Enclave.AuditCli;

/// <summary>Prints records as an aligned table, CSV (RFC 4180) or JSON lines, each with its verification result.</summary>
internal sealed class RecordWriter(TextWriter output, string format)
{
    private static readonly System.Collections.Immutable.ImmutableArray<string> Columns =
        ["time", "actor", "action", "outcome", "reason", "sessionId", "uploadId", "subjectUserId", "clientIp", "requestId", "instanceId", "recordId", "verified"];

    private readonly List<string[]> table = [];
    private bool headerWritten;

    public static readonly System.Collections.Immutable.ImmutableArray<string> Formats = ["table", "csv", "jsonl"];

    public void Write(StoredAccessRecord stored, bool verified)
    {
        var r = stored.Record;
        string[] row =
        [
            Attr.Iso(r.Time), r.ActorUserId ?? AccessRecord.Anonymous, r.Action, AccessRecord.OutcomeName(r.Outcome), r.Reason ?? "",
            r.SessionId ?? "", r.UploadId ?? "", r.SubjectUserId ?? "", r.ClientIp, r.RequestId, r.InstanceId, r.RecordId,
            verified ? "true" : "false",
        ];
        switch (format)
        {
            case "csv":
                if (!headerWritten)
                {
                    output.WriteLine(string.Join(',', Columns));
                    headerWritten = true;
                }

                output.WriteLine(string.Join(',', row.Select(Csv)));
                break;
            case "jsonl":
                output.WriteLine(Json(row));
                break;
            default:
                table.Add(row);
                break;
        }
    }

    /// <summary>A table needs every row to size its columns, so it prints at the end.</summary>
    public void Finish()
    {
        if (format != "table")
        {
            return;
        }

        // Narrow columns for a terminal: the ids that are mostly empty or long stay in csv/jsonl.
        int[] shown = [0, 1, 2, 3, 4, 5, 7, 11, 12];
        var widths = shown.Select(i => Math.Max(Columns[i].Length, table.Count == 0 ? 0 : table.Max(r => r[i].Length))).ToArray();
        output.WriteLine(Line(shown.Select(i => Columns[i]).ToArray(), widths));
        output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in table)
        {
            output.WriteLine(Line(shown.Select(i => row[i]).ToArray(), widths));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({table.Count} records)"));
    }

    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();

    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static string Json(string[] row)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            for (var i = 0; i < Columns.Length - 1; i++)
            {
                if (row[i].Length > 0)
                {
                    writer.WriteString(Columns[i], row[i]);
                }
            }

            writer.WriteBoolean("verified", row[^1] == "true");
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
