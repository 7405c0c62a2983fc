using System.IO.Compression;

namespace Enclave.Core.Profiling;

/// <summary>
/// A ZIP of CSV/TSV/JSON lines files, read in place from a seekable stream; nothing is extracted anywhere.
/// First the central directory is judged as a whole (entry count, names, types, encryption) so a bad archive is refused
/// before a single byte is decompressed; then entries are decompressed one at a time, through the
/// <see cref="ReadGuard"/> that counts the bytes that actually come out.
/// </summary>
internal static class ZipProfiler
{
    public static async Task<FileProfile> ProfileAsync(SourceStream archiveStream, ProfileLimits limits, CancellationToken cancellationToken)
    {
        await ZipDirectoryCheck.CheckAsync(archiveStream, limits, cancellationToken);
        await using var archive = await ZipArchive.CreateAsync(
            archiveStream, ZipArchiveMode.Read, leaveOpen: true, entryNameEncoding: null, cancellationToken);

        var guard = new ReadGuard(limits, archiveStream);
        var tables = new List<TableProfile>();
        foreach (var (entry, kind) in Plan(archive, limits))
        {
            cancellationToken.ThrowIfCancellationRequested();
            guard.BeginEntry(entry.CompressedLength);
            try
            {
                await using var content = new VerifiedEntryStream(await entry.OpenAsync(cancellationToken), entry.Length, entry.Crc32);
                tables.Add(await TextTable.ReadAsync(content, kind, entry.FullName, guard, limits, cancellationToken));
            }
            catch (ProfileRejectedException rejected)
            {
                throw new ProfileRejectedException($"{entry.FullName}: {rejected.Message}");
            }
            catch (InvalidDataException)
            {
                throw new ProfileRejectedException($"{entry.FullName}: the entry is damaged or uses an unsupported compression method.");
            }
        }

        return new FileProfile(tables);
    }

    // Every rule that can be judged from the central directory, for every entry, before anything is decompressed.
    private static List<(ZipArchiveEntry Entry, FileKind Kind)> Plan(ZipArchive archive, ProfileLimits limits)
    {
        var entries = archive.Entries;
        if (entries.Count > limits.MaxZipEntries)
        {
            throw new ProfileRejectedException($"The archive has more than {limits.MaxZipEntries} entries.");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var files = new List<(ZipArchiveEntry, FileKind)>();
        foreach (var entry in entries)
        {
            string name = entry.FullName;
            if (ZipEntryRules.CheckName(name) is { } badName)
            {
                throw new ProfileRejectedException(badName);
            }

            if (!names.Add(name))
            {
                throw new ProfileRejectedException($"{name} appears more than once in the archive.");
            }

            if (name.EndsWith('/'))
            {
                continue; // a directory: nothing to read
            }

            if (ZipEntryRules.KindOf(name, out string? badKind) is not { } kind)
            {
                throw new ProfileRejectedException(badKind!);
            }

            if (entry.IsEncrypted)
            {
                throw new ProfileRejectedException($"{name} is encrypted; encrypted entries are not accepted.");
            }

            files.Add((entry, kind));
        }

        return files.Count == 0
            ? throw new ProfileRejectedException("The archive has no CSV, TSV or JSON lines files.")
            : files;
    }
}
