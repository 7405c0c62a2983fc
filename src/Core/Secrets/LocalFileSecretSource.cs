using System.Security.Cryptography;
using System.Text.Json;

namespace Enclave.Core.Secrets;

/// <summary>
/// Local mode only: secrets live in a git-ignored JSON file that is generated with random values the
/// first time, so no development key is ever shared or committed.
/// </summary>
public sealed class LocalFileSecretSource(string path) : ISecretSource
{
    public string Path { get; } = path;

    /// <summary>Creates the file with fresh random values for any missing name; returns whether it wrote.</summary>
    public bool EnsureGenerated(IReadOnlyCollection<string> names)
    {
        var existing = File.Exists(Path) ? Read() : new Dictionary<string, string>(StringComparer.Ordinal);
        var missing = names.Where(n => !existing.ContainsKey(n)).ToList();
        if (missing.Count == 0)
        {
            return false;
        }

        foreach (var name in missing)
        {
            existing[name] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        var temp = Path + "." + Environment.ProcessId + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, fileOptions))
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in existing)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        // Several local processes may start at once; a rename is atomic, and the loser's values are
        // discarded by re-reading below.
        if (!File.Exists(Path))
        {
            File.Move(temp, Path, overwrite: false);
        }
        else
        {
            File.Delete(temp);
        }

        return true;
    }

    public Task<string> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return Read().TryGetValue(name, out var value)
                ? Task.FromResult(value)
                : throw new SecretUnavailableException($"Secret '{name}' is not in the local secrets file.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
        {
            // Missing, a directory, half written or of the wrong shape: all mean "no secret now", never a 500.
            throw new SecretUnavailableException("The local secrets file could not be read.", ex);
        }
    }

    private Dictionary<string, string> Read()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path));
        return document.RootElement.EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
    }
}
