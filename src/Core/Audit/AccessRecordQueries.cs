using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Storage;

namespace Enclave.Core.Audit;

/// <summary>One page, newest first. <see cref="NextKey"/> is null on the last page.</summary>
public sealed record AccessRecordPage(IReadOnlyList<StoredAccessRecord> Items, Dictionary<string, AttributeValue>? NextKey);

/// <summary>
/// Which access pattern a query uses, plus the optional narrowing that stays inside its Queries: a time
/// range (key condition on the sort key) and an outcome (filter expression).
/// </summary>
public sealed record AccessRecordFilter(
    string? Actor = null, string? Session = null, DateOnly? Day = null, DateTimeOffset? From = null, DateTimeOffset? To = null,
    AccessOutcome? Outcome = null, string? Subject = null)
{
    /// <summary>Actor, session, subject and day are alternatives: each names one partition (or one sharded set) of one index.</summary>
    public bool SelectsOnePattern =>
        (Actor is not null ? 1 : 0) + (Session is not null ? 1 : 0) + (Day is not null ? 1 : 0) + (Subject is not null ? 1 : 0) == 1;
}

/// <summary>
/// The auditors' questions: by actor (table key), by session (index bySession), by subject, the user a
/// record is about (index bySubject: failed sign-ins against an account, role changes), by day (index
/// byDay), newest first. A pattern in one partition is one Query per page. A sharded pattern (a day, the
/// anonymous actor) is one Query per shard per page, run in parallel and merged by sort key; its cursor
/// is the sort key of the last record returned, which is stable because sort keys are unique and every
/// shard is ordered by them.
/// </summary>
public sealed class AccessRecordQueries(IAmazonDynamoDB dynamo, string auditTable, AccessRecordLayout layout)
{
    /// <summary>The cursor attribute of a merged page: the sort key the next page starts below.</summary>
    public const string BeforeKey = "before";

    public Task<AccessRecordPage> ByActorAsync(string actorUserId, DateTimeOffset? from, DateTimeOffset? to, int limit,
        Dictionary<string, AttributeValue>? startKey, CancellationToken cancellationToken) =>
        QueryAsync(new AccessRecordFilter(Actor: actorUserId, From: from, To: to), limit, startKey, cancellationToken);

    public Task<AccessRecordPage> BySessionAsync(string sessionId, DateTimeOffset? from, DateTimeOffset? to, int limit,
        Dictionary<string, AttributeValue>? startKey, CancellationToken cancellationToken) =>
        QueryAsync(new AccessRecordFilter(Session: sessionId, From: from, To: to), limit, startKey, cancellationToken);

    public Task<AccessRecordPage> ByDayAsync(DateOnly day, DateTimeOffset? from, DateTimeOffset? to, int limit,
        Dictionary<string, AttributeValue>? startKey, CancellationToken cancellationToken) =>
        QueryAsync(new AccessRecordFilter(Day: day, From: from, To: to), limit, startKey, cancellationToken);

    /// <summary>One page of one pattern: one Query per partition of the pattern, never a Scan.</summary>
    public async Task<AccessRecordPage> QueryAsync(AccessRecordFilter filter, int limit, Dictionary<string, AttributeValue>? startKey,
        CancellationToken cancellationToken)
    {
        if (!filter.SelectsOnePattern)
        {
            throw new ArgumentException("Exactly one of actor, session, subject and day selects the access pattern.", nameof(filter));
        }

        var (index, pkName, skName, partitions) = filter switch
        {
            { Actor: { } actor } => (null, Attr.Pk, Attr.Sk, layout.ActorPartitions(actor)),
            { Session: { } session } => (TableSchemas.AuditBySession, TableSchemas.BySessionPk, TableSchemas.BySessionSk,
                (IReadOnlyList<string>)[AccessRecordLayout.SessionPartition(session)]),
            { Subject: { } subject } => (TableSchemas.AuditBySubject, TableSchemas.BySubjectPk, TableSchemas.BySubjectSk,
                [AccessRecordLayout.SubjectPartition(subject)]),
            _ => (TableSchemas.AuditByDay, TableSchemas.ByDayPk, TableSchemas.ByDaySk, layout.DayPartitions(filter.Day!.Value)),
        };

        // Sort keys start with the ISO time, so a time range is a key condition, not a filter.
        var lower = filter.From is { } f ? Attr.Iso(f) : "0";
        var upper = filter.To is { } t ? Attr.Iso(t) + "~" : "~";
        QueryRequest Request(string pk, string to, int pageLimit, Dictionary<string, AttributeValue>? exclusiveStart)
        {
            var request = new QueryRequest
            {
                TableName = auditTable,
                IndexName = index,
                KeyConditionExpression = "#pk = :pk AND #sk BETWEEN :from AND :to",
                ExpressionAttributeNames = new() { ["#pk"] = pkName, ["#sk"] = skName },
                ExpressionAttributeValues = new() { [":pk"] = Attr.S(pk), [":from"] = Attr.S(lower), [":to"] = Attr.S(to) },
                ScanIndexForward = false,
                Limit = pageLimit,
                ExclusiveStartKey = exclusiveStart,
            };
            if (filter.Outcome is { } outcome)
            {
                // A filter on the same Query: the partition is still read once, only matching items come back.
                request.FilterExpression = "#outcome = :outcome";
                request.ExpressionAttributeNames["#outcome"] = "outcome";
                request.ExpressionAttributeValues[":outcome"] = Attr.S(AccessRecord.OutcomeName(outcome));
            }

            return request;
        }

        if (partitions.Count == 1)
        {
            var response = await dynamo.QueryAsync(Request(partitions[0], upper, limit, startKey), cancellationToken);
            return new AccessRecordPage(
                [.. response.Items.Select(StoredAccessRecord.FromItem)], response.LastEvaluatedKey is { Count: > 0 } next ? next : null);
        }

        return await MergedPageAsync(partitions, skName, upper, limit, startKey, (pk, to, pageLimit) => Request(pk, to, pageLimit, null),
            cancellationToken);
    }

    /// <summary>
    /// Each shard is asked for limit + 1 items at or below the cursor (BETWEEN is inclusive, so the cursor's own
    /// record may come back once and is dropped). An item is safe to return only if no shard that stopped early
    /// could still hold a newer one: items at or above the highest point where a shard stopped.
    /// </summary>
    private async Task<AccessRecordPage> MergedPageAsync(IReadOnlyList<string> partitions, string skName, string upper, int limit,
        Dictionary<string, AttributeValue>? startKey, Func<string, string, int, QueryRequest> request, CancellationToken cancellationToken)
    {
        var before = startKey?.GetS(BeforeKey);
        var to = before is not null && string.CompareOrdinal(before, upper) < 0 ? before : upper;
        var responses = await Task.WhenAll(partitions.Select(pk => dynamo.QueryAsync(request(pk, to, limit + 1), cancellationToken)));
        var stoppedAt = responses.Where(r => r.LastEvaluatedKey is { Count: > 0 })
            .Select(r => r.LastEvaluatedKey.RequireS(skName)).DefaultIfEmpty(null).Max(StringComparer.Ordinal);
        var merged = responses.SelectMany(r => r.Items)
            .Select(item => (Sort: item.GetS(skName) ?? "", Item: item))
            .Where(x => x.Sort != before && (stoppedAt is null || string.CompareOrdinal(x.Sort, stoppedAt) >= 0))
            .OrderByDescending(x => x.Sort, StringComparer.Ordinal)
            .ToList();
        var page = merged.Take(limit).ToList();
        string? next = merged.Count > limit ? page[^1].Sort
            : stoppedAt is not null ? (page.Count > 0 ? page[^1].Sort : stoppedAt)
            : null;
        return new AccessRecordPage(
            [.. page.Select(x => StoredAccessRecord.FromItem(x.Item))],
            next is null ? null : new Dictionary<string, AttributeValue> { [BeforeKey] = Attr.S(next) });
    }
}
