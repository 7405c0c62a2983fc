using System.Diagnostics.CodeAnalysis;
using Enclave.Core.Profiling;

namespace Enclave.Core.Uploads;

/// <summary>What may be uploaded: the extension picks the format, and the content type must be that format's.</summary>
public static class FileTypes
{
    public const int MaxFileNameLength = 255;

    // A switch, not a static table: nothing mutable is shared between requests.
    private static (FileKind Kind, string[] ContentTypes)? Lookup(string fileName)
    {
        string extension = Path.GetExtension(fileName).ToLowerInvariant();
        if (extension == ".gz")
        {
            // ".csv.gz": the inner extension says what the decompressed bytes are.
            string[] gzip = ["application/gzip", "application/x-gzip"];
            return Path.GetExtension(fileName[..^extension.Length]).ToLowerInvariant() switch
            {
                ".csv" => (FileKind.CsvGzip, gzip),
                ".tsv" => (FileKind.TsvGzip, gzip),
                ".jsonl" or ".ndjson" => (FileKind.JsonLinesGzip, gzip),
                _ => null,
            };
        }

        return extension switch
        {
            ".csv" => (FileKind.Csv, ["text/csv"]),
            ".tsv" => (FileKind.Tsv, ["text/tab-separated-values"]),
            ".jsonl" or ".ndjson" => (FileKind.JsonLines, ["application/jsonl", "application/x-ndjson"]),
            ".zip" => (FileKind.Zip, ["application/zip"]),
            _ => null,
        };
    }

    /// <summary>Null when acceptable, else a message. The name is only ever metadata, never a key or a path.</summary>
    public static string? CheckFileName(string? fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName))
        {
            return "Enter the file's name.";
        }

        if (fileName.Length > MaxFileNameLength)
        {
            return $"Use a file name of at most {MaxFileNameLength} characters.";
        }

        if (fileName != fileName.Trim() || fileName.Any(c => char.IsControl(c) || c is '/' or '\\' or ':') || HasLoneSurrogate(fileName) ||
            fileName.Contains("..", StringComparison.Ordinal))
        {
            return "The file name contains characters or sequences that are not allowed.";
        }

        return KindOf(fileName) is null ? "Upload a .csv, .tsv, .jsonl, .ndjson or .zip file, or a .csv.gz, .tsv.gz, .jsonl.gz or .ndjson.gz." : null;
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    public static FileKind? KindOf(string fileName) => Lookup(fileName)?.Kind;

    public static bool TryMatchContentType(string fileName, string? contentType, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (Lookup(fileName) is not { } entry || contentType is null)
        {
            return false;
        }

        normalized = entry.ContentTypes.FirstOrDefault(t => string.Equals(t, contentType.Trim(), StringComparison.OrdinalIgnoreCase));
        return normalized is not null;
    }
}
