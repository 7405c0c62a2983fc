using System.Globalization;

using Enclave.Core.Storage;

namespace Enclave.Core.Audit;

/// <summary>
/// Every key an access record is stored and indexed under. Keys that would gather unrelated writers (one
/// whole day in the byDay index, every anonymous attempt or every service's record under one actor) are write-sharded: the record
/// id picks one of <see cref="Shards"/> partitions, so no partition takes more than 1/Shards of those
/// writes. The shard count may grow, never shrink: readers fan out over every shard up to the current count.
/// Records written before sharding (one partition per day, one for anonymous) are read too while
/// <see cref="UnshardedThrough"/> names the last day that layout was written.
/// </summary>
public sealed record AccessRecordLayout(int Shards, DateOnly? UnshardedThrough = null)
{
    public const string ActorPrefix = "ACTOR#";
    public const string SessionPrefix = "SESSION#";
    public const string DayPrefix = "DAY#";
    public const string SubjectPrefix = "SUBJECT#";

    /// <summary>Actors of services (the processor): like the anonymous actor, each writes for every user, so its key is sharded.</summary>
    public const string ServiceActorPrefix = "service:";

    /// <summary>At 50,000 requests/s and about 1.3 records per request, 128 shards keep each under ~510 writes/s of 1,000.</summary>
    public const int DefaultShards = 128;

    public const int MaxShards = 1000;

    public static AccessRecordLayout From(Configuration.StorageOptions options) =>
        new(options.AuditShards, options.AuditUnshardedThrough is { } day
            ? DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture)
            : null);

    /// <summary>FNV-1a over the record id: stable across processes and runs, spread evenly by the id's random bits.</summary>
    public int ShardOf(string recordId)
    {
        var hash = 2166136261u;
        foreach (var c in recordId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)Shards);
    }

    public IndexKeys KeysFor(AccessRecord r)
    {
        var sortKey = Attr.Iso(r.Time) + "#" + r.RecordId;
        var shard = ShardOf(r.RecordId);
        var actor = ShardedActorKey(r.ActorUserId ?? AccessRecord.Anonymous, shard) ?? ActorPrefix + r.ActorUserId;
        return new IndexKeys(
            actor, sortKey,
            r.SessionId is { } s ? SessionPrefix + s : null,
            DayKey(DateOnly.FromDateTime(r.Time.UtcDateTime), shard),
            r.SubjectUserId is { } subject ? SubjectPrefix + subject : null);
    }

    /// <summary>The partitions holding one day of the byDay index.</summary>
    public IReadOnlyList<string> DayPartitions(DateOnly day)
    {
        var keys = Enumerable.Range(0, Shards).Select(shard => DayKey(day, shard)).ToList();
        if (day <= UnshardedThrough)
        {
            keys.Add(DayPrefix + DayText(day));
        }

        return keys;
    }

    /// <summary>The table partitions holding one actor's records: one, or every shard for the anonymous and service actors.</summary>
    public IReadOnlyList<string> ActorPartitions(string actor)
    {
        if (!IsSharded(actor))
        {
            return [ActorPrefix + actor];
        }

        var keys = Enumerable.Range(0, Shards).Select(shard => ShardedActorKey(actor, shard)!).ToList();
        // Service records were sharded after the day and anonymous ones: their old partition is always read.
        if (UnshardedThrough is not null || actor != AccessRecord.Anonymous)
        {
            keys.Add(ActorPrefix + actor);
        }

        return keys;
    }

    /// <summary>What an IAM <c>StringLike</c> on <c>dynamodb:LeadingKeys</c> must allow for records of this actor (the session policy).</summary>
    public static string ActorKeyPattern(string actor) => IsSharded(actor) ? ActorPrefix + actor + "#???" : ActorPrefix + actor;

    private static bool IsSharded(string actor) => actor == AccessRecord.Anonymous || actor.StartsWith(ServiceActorPrefix, StringComparison.Ordinal);

    public static string SessionPartition(string sessionId) => SessionPrefix + sessionId;

    public static string SubjectPartition(string userId) => SubjectPrefix + userId;

    public static string DayText(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string? ShardedActorKey(string actor, int shard) =>
        IsSharded(actor) ? ActorPrefix + actor + "#" + shard.ToString("D3", CultureInfo.InvariantCulture) : null;

    private static string DayKey(DateOnly day, int shard) =>
        DayPrefix + DayText(day) + "#" + shard.ToString("D3", CultureInfo.InvariantCulture);
}

/// <summary>
/// The keys a record is stored under (table) and indexed under (bySession, byDay, bySubject; null where the
/// record is not in that index). The sort key is the same in all of them: ISO time, then the record id.
/// </summary>
public sealed record IndexKeys(string Actor, string SortKey, string? Session, string Day, string? Subject);
