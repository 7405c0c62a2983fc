using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

using Enclave.Core.Audit;

namespace Enclave.Tests.Isolation;

/// <summary>One partition of a table, an index or an S3 prefix at the target load.</summary>
public sealed record PartitionLoad(string Table, string? Index, string Pattern, string HottestKey, double WritesPerSecond, double ReadsPerSecond, int KeysAtScale);

/// <summary>
/// Issue 16.3: replays the AWS calls the load suite recorded (one JSON line per call, from every process) at the SPEC §8
/// target, by key distribution rather than by time. Each partition key pattern keeps the units per API request it had in
/// the recording; keys that name a user, an account or an address (ids, emails, hashes) spread over a million users, write shards
/// over the production shard count, and constant keys stay one partition however large the load. A key over 1,000 WCU/s
/// or 3,000 RCU/s (S3: 3,500 writes, 5,500 reads per prefix), or STS over 600 calls/s (sign-ins and the processor, see <see cref="SignInStsPerSecond"/>), is a violation.
/// </summary>
public sealed partial class CapacitySimulation
{
    public const double Sustained = 10_000;
    public const double Burst = 50_000;
    public const int UsersAtScale = 1_000_000;
    public const double StsCallsPerSecond = 600;

    private sealed record Touch(string Table, string? Index, string Pk, bool Write, double Units, bool Processor);

    private readonly List<Touch> touches = [];
    private int stsCalls;
    private int processorStsCalls;
    private int calls;

    /// <summary>The recordings of every process; <c>Processor</c> marks the processor's, whose STS calls are counted apart.</summary>
    public static CapacitySimulation Load(IEnumerable<(string File, bool Processor)> files)
    {
        var simulation = new CapacitySimulation();
        foreach (var (line, processor) in files.Where(f => File.Exists(f.File)).SelectMany(f => File.ReadLines(f.File).Select(line => (line, f.Processor))))
        {
            var call = JsonDocument.Parse(line).RootElement;
            simulation.calls++;
            if (call.GetProperty("service").GetString() == "SecurityToken")
            {
                if (processor)
                {
                    simulation.processorStsCalls++;
                }
                else
                {
                    simulation.stsCalls++;
                }
            }

            foreach (var t in call.GetProperty("touches").EnumerateArray())
            {
                simulation.touches.Add(new Touch(
                    t.GetProperty("table").GetString()!, t.TryGetProperty("index", out var index) ? index.GetString() : null, t.GetProperty("pk").GetString()!,
                    t.GetProperty("kind").GetString() == "write", t.GetProperty("units").GetDouble(), processor));
            }
        }

        return simulation;
    }

    public int Calls => calls;

    public int ProcessorStsCalls => processorStsCalls;

    public int Touches => touches.Count;

    /// <summary>The same recording as the pre-sharding layout would have keyed it: one byDay partition a day, one anonymous actor.</summary>
    public CapacitySimulation Unsharded()
    {
        var old = new CapacitySimulation { stsCalls = stsCalls, processorStsCalls = processorStsCalls, calls = calls };
        old.touches.AddRange(touches.Select(t => t with { Pk = ShardSuffix().Replace(t.Pk, "") }));
        return old;
    }

    /// <summary>
    /// STS scales with users, not requests: a user's credentials are minted at sign-in and re-minted at most once per
    /// credential lifetime (role chaining caps it at one hour), whatever they request meanwhile; the processor keeps one
    /// sealed credential per owner for the same lifetime (<c>ProcessorCredentials</c>). So the target is every one of the
    /// 1 M users signing in or refreshing, and having uploads processed, within the same hour, at the STS calls per user
    /// the recording shows.
    /// </summary>
    public double SignInStsPerSecond(int usersRecorded) => PerSecondAtScale(stsCalls, usersRecorded);

    /// <inheritdoc cref="SignInStsPerSecond"/>
    public double ProcessorStsPerSecond(int usersRecorded) => PerSecondAtScale(processorStsCalls, usersRecorded);

    public const double CredentialLifetimeSeconds = 3600;

    private static double PerSecondAtScale(int recorded, int usersRecorded) => (double)recorded / usersRecorded * UsersAtScale / CredentialLifetimeSeconds;

    /// <summary>
    /// The recorded mix per API request, the processor's share included: DynamoDB write and read request units (what on-demand
    /// bills, indexes included) and S3 requests, for the API processes and the processor apart (docs/capacity.md costs these).
    /// </summary>
    public string Mix(int apiRequests)
    {
        string Of(bool processor)
        {
            var mine = touches.Where(t => t.Processor == processor).ToList();
            double PerRequest(Func<Touch, bool> which) => mine.Where(which).Sum(t => t.Units) / apiRequests;
            return string.Create(CultureInfo.InvariantCulture,
                $"{PerRequest(t => t.Write && !IsS3(t)):0.00} WRU, {PerRequest(t => !t.Write && !IsS3(t)):0.00} RRU, {PerRequest(t => t.Write && IsS3(t)):0.000} S3 writes, {PerRequest(t => !t.Write && IsS3(t)):0.000} S3 reads");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"per API request: API {Of(false)}, {(double)stsCalls / apiRequests:0.000} STS; processor {Of(true)}, {(double)processorStsCalls / apiRequests:0.000} STS");
    }

    private static bool IsS3(Touch t) => t.Table.StartsWith("s3:", StringComparison.Ordinal);

    /// <summary>The hottest key of each pattern at <paramref name="rate"/> API requests/s, hottest first.</summary>
    public IReadOnlyList<PartitionLoad> Partitions(int apiRequests, int usersRecorded, int shardsRecorded, double rate)
    {
        var result = new List<PartitionLoad>();
        foreach (var pattern in touches.GroupBy(t => (t.Table, t.Index, Pattern: Pattern(t.Pk))))
        {
            var keys = pattern.GroupBy(t => t.Pk).ToList();
            var p = pattern.Key.Pattern;
            var spread = p.Contains("{id}", StringComparison.Ordinal) || p.Contains("{hash}", StringComparison.Ordinal) || p.Contains("{email}", StringComparison.Ordinal)
                ? (double)UsersAtScale / usersRecorded
                : p.Contains("{shard}", StringComparison.Ordinal) ? (double)AccessRecordLayout.DefaultShards / shardsRecorded : 1;
            var hottest = keys.MaxBy(k => k.Sum(t => t.Units))!;
            double PerSecond(bool write) => hottest.Where(t => t.Write == write).Sum(t => t.Units) / apiRequests * rate / spread;
            result.Add(new PartitionLoad(Table(pattern.Key.Table), pattern.Key.Index, p, hottest.Key, PerSecond(true), PerSecond(false),
                (int)Math.Min(int.MaxValue, keys.Count * spread)));
        }

        return [.. result.OrderByDescending(l => Math.Max(l.WritesPerSecond / WriteLimit(l), l.ReadsPerSecond / ReadLimit(l)))];
    }

    public static IEnumerable<string> Violations(IEnumerable<PartitionLoad> loads, double stsPerSecond) =>
        loads.Where(l => l.WritesPerSecond > WriteLimit(l) || l.ReadsPerSecond > ReadLimit(l))
            .Select(l => string.Create(CultureInfo.InvariantCulture,
                $"{l.Table}{(l.Index is null ? "" : "/" + l.Index)} {l.Pattern} ({l.HottestKey}): {l.WritesPerSecond:0} writes/s, {l.ReadsPerSecond:0} reads/s"))
            .Concat(stsPerSecond > StsCallsPerSecond ? [string.Create(CultureInfo.InvariantCulture, $"STS: {stsPerSecond:0} calls/s")] : []);

    public static string Describe(IEnumerable<PartitionLoad> loads)
    {
        var text = new StringBuilder();
        foreach (var l in loads)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"    {l.Table + (l.Index is null ? "" : "/" + l.Index),-22} {l.Pattern,-32} {l.WritesPerSecond,9:0.0} W/s {l.ReadsPerSecond,9:0.0} R/s  ({l.KeysAtScale} keys)\n");
        }

        return text.ToString();
    }

    private static double WriteLimit(PartitionLoad l) => l.Table.StartsWith("s3", StringComparison.Ordinal) ? 3500 : 1000;

    private static double ReadLimit(PartitionLoad l) => l.Table.StartsWith("s3", StringComparison.Ordinal) ? 5500 : 3000;

    // Test tables are "t{random}-data": the kind is what the pattern table is.
    private static string Table(string name) => name.StartsWith("s3:", StringComparison.Ordinal) ? "s3" : name[(name.LastIndexOf('-') + 1)..];

    private static string Pattern(string pk) =>
        ShardSuffix().Replace(Day().Replace(Hash().Replace(Uuid().Replace(Email().Replace(pk, "{email}"), "{id}"), "{hash}"), "{day}"), "#{shard}");

    /// <summary>An account's sign-in name (the EMAIL# item): one key per account, like an id.</summary>
    [GeneratedRegex("(?<=#)[^#@]+@[^#]+$")]
    private static partial Regex Email();

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex Uuid();

    [GeneratedRegex("[0-9a-f]{64}")]
    private static partial Regex Hash();

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}")]
    private static partial Regex Day();

    [GeneratedRegex(@"#\d{3}$")]
    private static partial Regex ShardSuffix();
}
