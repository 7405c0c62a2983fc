namespace Enclave.Core.Profiling;

/// <summary>
/// What a ZIP entry may be called and contain, decided from the central directory before anything is decompressed.
/// Names are never used as paths (nothing is extracted), but they are shown to users, logged and may one day be
/// used by someone else as paths, so anything a path could abuse is refused.
/// </summary>
internal static class ZipEntryRules
{
    public const int MaxNameLength = 255;

    /// <summary>Null when the name is acceptable; otherwise a reason that does not echo the name.</summary>
    public static string? CheckName(string name)
    {
        if (name.Length == 0)
        {
            return "An entry in the archive has an empty name.";
        }

        if (name.Length > MaxNameLength)
        {
            return $"An entry in the archive has a name longer than {MaxNameLength} characters.";
        }

        foreach (char c in name)
        {
            // U+FFFD is what an undecodable (non-UTF-8) name byte becomes.
            if (char.IsControl(c) || IsBidiControl(c) || c == '\uFFFD')
            {
                return "An entry in the archive has control or undecodable characters in its name.";
            }
        }

        if (name.Contains('\\', StringComparison.Ordinal))
        {
            return "An entry in the archive has a backslash in its name.";
        }

        if (name[0] == '/' || name.Contains(':', StringComparison.Ordinal))
        {
            return "An entry in the archive has an absolute path or a drive letter in its name.";
        }

        foreach (var segment in name.Split('/'))
        {
            if (segment is ".." or ".")
            {
                return "An entry in the archive has a '.' or '..' path segment in its name.";
            }
        }

        return null;
    }

    /// <summary>The table format of a file entry by its extension, or a reason it is not accepted.</summary>
    public static FileKind? KindOf(string name, out string? reason)
    {
        reason = null;
        string extension = Path.GetExtension(name).ToLowerInvariant();
        switch (extension)
        {
            case ".csv":
                return FileKind.Csv;
            case ".tsv":
                return FileKind.Tsv;
            case ".jsonl":
            case ".ndjson":
                return FileKind.JsonLines;
            case ".zip" or ".gz" or ".tgz" or ".7z" or ".rar" or ".tar" or ".bz2" or ".xz" or ".zst" or ".lz4" or ".jar":
                reason = $"{name} is an archive inside the archive; nested archives are not accepted.";
                return null;
            default:
                reason = $"{name} is not a CSV, TSV or JSON lines file (.csv, .tsv, .jsonl, .ndjson).";
                return null;
        }
    }

    // Bidirectional overrides and isolates can make "evil\u202Evsc.exe" display as "evilexe.csv".
    private static bool IsBidiControl(char c) => c is '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
