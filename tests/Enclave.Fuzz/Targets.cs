using System.Text;
using System.Text.RegularExpressions;

using Enclave.Core.Ids;
using Enclave.Core.Profiling;
using Enclave.Core.Uploads;

namespace Enclave.Fuzz;

/// <summary>
/// One method per fuzz target. Each returns normally for every input the code under test is documented to handle,
/// rejections included, and throws (which afl-fuzz records as a crash) for anything else.
/// </summary>
internal static partial class Targets
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["zip"] = Zip,
        ["table"] = Table,
        ["gzip"] = Gzip,
        ["names"] = Names,
    };

    // Small bounds, so short inputs reach every limit's rejection path. Built per run, not in a static initializer:
    // instrumented code may only run once SharpFuzz has attached afl's shared memory.
    private static ProfileLimits Limits() => new()
    {
        MaxUncompressedBytes = 1 << 20,
        MaxZipEntries = 8,
        MaxCompressionRatio = 50,
        RatioSlackBytes = 4096,
        MaxLineBytes = 4096,
        MaxColumns = 64,
        TopValues = 5,
        HistogramBins = 8,
        MaxJsonDepth = 8,
    };

    private static readonly FileKind[] TextKinds = [FileKind.Csv, FileKind.Tsv, FileKind.JsonLines];

    private static readonly FileKind[] GzipKinds = [FileKind.CsvGzip, FileKind.TsvGzip, FileKind.JsonLinesGzip];

    /// <summary>
    /// The ZIP inspector (end-of-directory check, entry rules, per-entry profiling). A damaged or hostile archive must
    /// come back as <see cref="ProfileOutcome.Rejected"/>: from an in-memory stream no exception is documented.
    /// </summary>
    public static void Zip(byte[] input) => Profile(input, FileKind.Zip);

    /// <summary>CSV, TSV or JSON lines (the first byte picks which), under the same contract as <see cref="Zip"/>.</summary>
    public static void Table(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        Profile(input[1..], TextKinds[input[0] % TextKinds.Length]);
    }

    /// <summary>Gzip-compressed CSV, TSV or JSON lines (the first byte picks which), under the same contract.</summary>
    public static void Gzip(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        Profile(input[1..], GzipKinds[input[0] % GzipKinds.Length]);
    }

    /// <summary>
    /// Id parsing must agree exactly with the canonical UUIDv7 pattern, and an accepted file name must satisfy every
    /// promise of <see cref="FileTypes.CheckFileName"/>. The first byte picks UTF-8 or UTF-16 (lone surrogates).
    /// </summary>
    public static void Names(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var text = input[0] % 2 == 0 ? Encoding.UTF8.GetString(input, 1, input.Length - 1) : Encoding.Unicode.GetString(input, 1, input.Length - 1);
        var parsed = EntityId.TryParse(text, out var id);
        Check(parsed == CanonicalId().IsMatch(text), $"EntityId.TryParse said {parsed} for '{Escape(text)}'");
        Check(!parsed || id.Value == text, "EntityId does not hold the parsed text");

        if (FileTypes.CheckFileName(text) is null)
        {
            Check(text.Length is > 0 and <= FileTypes.MaxFileNameLength, "accepted a file name of bad length");
            Check(text == text.Trim() && !text.Contains("..", StringComparison.Ordinal), "accepted padding or '..'");
            Check(!text.Any(c => char.IsControl(c) || c is '/' or '\\' or ':'), "accepted a forbidden character");
            Check(IsWellFormed(text), "accepted a lone surrogate");
            Check(FileTypes.KindOf(text) is not null, "accepted a name without a known kind");
        }
    }

    private static void Profile(byte[] content, FileKind kind)
    {
        using var stream = new MemoryStream(content, writable: false);
        var outcome = FileProfiler.ProfileAsync(stream, kind, Limits(), CancellationToken.None).GetAwaiter().GetResult();
        switch (outcome)
        {
            case ProfileOutcome.Ready ready:
                Check(ready.Profile.Tables.Count > 0, "a ready profile without tables");
                break;
            case ProfileOutcome.Rejected rejected:
                Check(!string.IsNullOrWhiteSpace(rejected.Reason), "a rejection without a reason");
                break;
            default:
                throw new InvalidOperationException("Unknown outcome.");
        }
    }

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new FuzzFindingException(message);
        }
    }

    private static string Escape(string text) => string.Concat(text.Select(c => c is >= ' ' and < '\x7f' ? c.ToString() : $"\\u{(int)c:x4}"));

    [GeneratedRegex(@"\A[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CanonicalId();
}

/// <summary>A broken promise found by a target; deliberately not caught anywhere.</summary>
internal sealed class FuzzFindingException(string message) : Exception(message);
