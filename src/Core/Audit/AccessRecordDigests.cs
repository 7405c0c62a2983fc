using System.Diagnostics;
using System.Globalization;
using System.Text;

using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Secrets;
using Enclave.Core.Storage;

namespace Enclave.Core.Audit;

/// <summary>What one digest run did, with the numbers that price it.</summary>
public sealed record DigestRunStats(int ClosedWindows, int Written, int AlreadySealed, long Records, int Queries, double ReadUnits, TimeSpan Elapsed);

/// <summary>A day checked against its digests: every problem found, plus what was read.</summary>
public sealed record DayVerification(IReadOnlyList<string> Problems, long Records, int Windows, int Queries, double ReadUnits)
{
    public bool Intact => Problems.Count == 0;
}

/// <summary>
/// Deletion detection by periodic signed digests. A scheduled job seals each closed window of a day:
/// it reads the window from every shard of the byDay index (one Query per shard per page, in parallel) and stores an HMAC, made with the audit
/// key, over the count and the sorted (recordId, mac) list. Verification recomputes every closed window
/// and compares, so a removed, added or altered record changes the result. Nothing is added to the
/// request path: writers never touch a shared counter or chain head, which would be a hot item at high
/// request rates. The price is a window of exposure: records younger than the last sealed window are
/// covered only by their own HMAC until the next run.
/// </summary>
public sealed class AccessRecordDigests(
    IAmazonDynamoDB dynamo, string auditTable, SigningKey key, TimeProvider clock, TimeSpan window, TimeSpan grace, AccessRecordLayout layout)
{
    public const string DigestPrefix = "DIGEST#";

    /// <summary>Up to this many record ids are kept in a digest so a mismatch can name what went missing.</summary>
    public const int MaxListedIds = 5000;

    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(1);

    /// <summary>Writers stamp a record before it commits and the index lags slightly; sealing waits this long.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromMinutes(5);

    public async Task<DigestRunStats> SealDayAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var meter = new Meter();
        var existing = await ReadDigestsAsync(day, meter, cancellationToken);
        var (written, sealedBefore, records) = (0, 0, 0L);
        var windows = ClosedWindows(day);
        foreach (var (start, end) in windows)
        {
            if (existing.ContainsKey(Attr.Iso(start)))
            {
                sealedBefore++;
                continue;
            }

            var content = await ReadWindowAsync(start, end, meter, cancellationToken);
            records += content.Count;
            await WriteDigestAsync(day, start, end, content, cancellationToken);
            written++;
        }

        return new DigestRunStats(windows.Count, written, sealedBefore, records, meter.Queries, meter.ReadUnits, watch.Elapsed);
    }

    public async Task<DayVerification> VerifyDayAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var meter = new Meter();
        var problems = new List<string>();
        var digests = await ReadDigestsAsync(day, meter, cancellationToken);
        var windows = ClosedWindows(day);
        long records = 0;
        foreach (var (start, end) in windows)
        {
            var content = await ReadWindowAsync(start, end, meter, cancellationToken);
            records += content.Count;
            foreach (var recordId in content.Where(r => !r.Valid).Select(r => r.RecordId))
            {
                problems.Add($"altered record {recordId} (signature does not match)");
            }

            var label = $"window {Attr.Iso(start)}";
            if (!digests.Remove(Attr.Iso(start), out var digest))
            {
                // The schedule seals a window within one period of its close; until then a missing digest is expected.
                if (end + grace + AuditDigestJob.Period > clock.GetUtcNow())
                {
                    continue;
                }

                problems.Add($"{label}: no digest (never sealed, or the digest was deleted)");
                continue;
            }

            CompareWithDigest(label, day, start, end, content, digest, problems);
        }

        problems.AddRange(digests.Keys.Select(k => $"digest {k}: does not match any closed window of the day"));
        return new DayVerification(problems, records, windows.Count, meter.Queries, meter.ReadUnits);
    }

    /// <summary>Windows of the day (UTC) that ended at least the grace period ago.</summary>
    public IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End)> ClosedWindows(DateOnly day)
    {
        if (window <= TimeSpan.Zero || TimeSpan.FromDays(1).Ticks % window.Ticks != 0)
        {
            throw new ArgumentException("The digest window must divide a day evenly.");
        }

        var first = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var sealable = clock.GetUtcNow() - grace;
        var list = new List<(DateTimeOffset, DateTimeOffset)>();
        for (var start = first; start < first.AddDays(1) && start + window <= sealable; start += window)
        {
            list.Add((start, start + window));
        }

        return list;
    }

    private void CompareWithDigest(string label, DateOnly day, DateTimeOffset start, DateTimeOffset end, List<WindowEntry> content,
        Dictionary<string, AttributeValue> digest, List<string> problems)
    {
        var storedMac = digest.GetS("mac") ?? "";
        var storedCount = digest.GetN("count");
        var listed = digest.TryGetValue("ids", out var ids) && ids.SS is { Count: > 0 } ? ids.SS : null;
        var storedCanonicalCheck = digest.GetS("keyId") == key.KeyId &&
                                   digest.GetS("windowEnd") == Attr.Iso(end);
        if (!storedCanonicalCheck)
        {
            problems.Add($"{label}: digest item was altered or signed with another key");
            return;
        }

        if (string.Equals(storedMac, Mac(day, start, end, content), StringComparison.Ordinal))
        {
            return;
        }

        var present = content.Select(r => r.RecordId).ToHashSet(StringComparer.Ordinal);
        if (listed is not null)
        {
            problems.AddRange(listed.Where(id => !present.Contains(id)).Select(id => $"{label}: record {id} is missing (deleted)"));
            problems.AddRange(present.Where(id => !listed.Contains(id)).Select(id => $"{label}: record {id} was added after sealing"));
        }

        problems.Add($"{label}: digest mismatch (sealed {storedCount} records, found {content.Count})");
    }

    private async Task WriteDigestAsync(DateOnly day, DateTimeOffset start, DateTimeOffset end, List<WindowEntry> content,
        CancellationToken cancellationToken)
    {
        var item = Attr.Key(DigestPrefix + DayText(day), Attr.Iso(start));
        item["windowEnd"] = Attr.S(Attr.Iso(end));
        item["count"] = Attr.N(content.Count);
        item["sealedAt"] = Attr.S(Attr.Iso(clock.GetUtcNow()));
        item["keyId"] = Attr.S(key.KeyId);
        item["mac"] = Attr.S(Mac(day, start, end, content));
        if (content.Count is > 0 and <= MaxListedIds)
        {
            item["ids"] = new AttributeValue { SS = [.. content.Select(r => r.RecordId)] };
        }

        // A sealed window is never rewritten: a second run or a racing run leaves the first digest alone.
        try
        {
            await dynamo.PutItemAsync(
                new PutItemRequest { TableName = auditTable, Item = item, ConditionExpression = "attribute_not_exists(pk)" },
                cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            // Another run sealed it first; its digest stands.
        }
    }

    private string Mac(DateOnly day, DateTimeOffset start, DateTimeOffset end, List<WindowEntry> content)
    {
        var text = new StringBuilder("digest-v1|").Append(DayText(day)).Append('|').Append(Attr.Iso(start)).Append('|')
            .Append(Attr.Iso(end)).Append('|').Append(content.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var entry in content.OrderBy(r => r.RecordId, StringComparer.Ordinal))
        {
            text.Append(entry.RecordId).Append(':').Append(entry.Mac).Append('\n');
        }

        return key.SignToHex(text.ToString());
    }

    private async Task<Dictionary<string, Dictionary<string, AttributeValue>>> ReadDigestsAsync(
        DateOnly day, Meter meter, CancellationToken cancellationToken)
    {
        var digests = new Dictionary<string, Dictionary<string, AttributeValue>>(StringComparer.Ordinal);
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            var response = await dynamo.QueryAsync(
                new QueryRequest
                {
                    TableName = auditTable,
                    KeyConditionExpression = "pk = :pk",
                    ExpressionAttributeValues = new() { [":pk"] = Attr.S(DigestPrefix + DayText(day)) },
                    ConsistentRead = true,
                    ExclusiveStartKey = startKey,
                    ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
                },
                cancellationToken);
            meter.Add(response.ConsumedCapacity);
            foreach (var item in response.Items)
            {
                digests[item.RequireS(Attr.Sk)] = item;
            }

            startKey = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (startKey is not null);

        return digests;
    }

    private async Task<List<WindowEntry>> ReadWindowAsync(DateTimeOffset start, DateTimeOffset end, Meter meter, CancellationToken cancellationToken)
    {
        var day = DateOnly.FromDateTime(start.UtcDateTime);
        var shards = await Task.WhenAll(layout.DayPartitions(day).Select(pk => ReadPartitionAsync(pk, start, end, cancellationToken)));
        foreach (var capacity in shards.SelectMany(s => s.Capacity))
        {
            meter.Add(capacity);
        }

        return [.. shards.SelectMany(s => s.Entries)];
    }

    private async Task<(List<WindowEntry> Entries, List<ConsumedCapacity?> Capacity)> ReadPartitionAsync(
        string partition, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var entries = new List<WindowEntry>();
        var capacity = new List<ConsumedCapacity?>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            var response = await dynamo.QueryAsync(
                new QueryRequest
                {
                    TableName = auditTable,
                    IndexName = TableSchemas.AuditByDay,
                    KeyConditionExpression = "#pk = :pk AND #sk BETWEEN :from AND :to",
                    ExpressionAttributeNames = new() { ["#pk"] = TableSchemas.ByDayPk, ["#sk"] = TableSchemas.ByDaySk },
                    ExpressionAttributeValues = new()
                    {
                        [":pk"] = Attr.S(partition),
                        [":from"] = Attr.S(Attr.Iso(start)),
                        [":to"] = Attr.S(Attr.Iso(end.AddMilliseconds(-1)) + "~"),
                    },
                    ExclusiveStartKey = startKey,
                    ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
                },
                cancellationToken);
            capacity.Add(response.ConsumedCapacity);
            entries.AddRange(response.Items.Select(Entry));
            startKey = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (startKey is not null);

        return (entries, capacity);
    }

    private WindowEntry Entry(Dictionary<string, AttributeValue> item)
    {
        var recordId = item.GetS("recordId") ?? "(no id) " + item.GetS(TableSchemas.ByDaySk);
        return new WindowEntry(recordId, item.GetS("mac") ?? "", StoredAccessRecord.FromItem(item).Verify(key));
    }

    private static string DayText(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private sealed record WindowEntry(string RecordId, string Mac, bool Valid);

    private sealed class Meter
    {
        public int Queries { get; private set; }

        public double ReadUnits { get; private set; }

        public void Add(ConsumedCapacity? capacity)
        {
            Queries++;
            ReadUnits += capacity?.CapacityUnits ?? 0;
        }
    }
}
