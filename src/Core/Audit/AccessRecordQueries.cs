using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Storage;

namespace Enclave.Core.Audit;

public sealed record AccessRecordPage(IReadOnlyList<StoredAccessRecord> Items, Dictionary<string, AttributeValue>? NextKey);

/// <summary>A record as read back, with what is needed to check its signature.</summary>
public sealed record StoredAccessRecord(AccessRecord Record, string KeyId, string Mac)
{
    public static StoredAccessRecord FromItem(Dictionary<string, AttributeValue> item) =>
        new(AccessRecordItem.FromItem(item), item.RequireS("keyId"), item.RequireS("mac"));

    public bool Verify(Secrets.SigningKey key) =>
        key.KeyId == KeyId &&
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            Convert.FromHexString(Mac), Convert.FromHexString(key.SignToHex(Record.Canonical())));
}

/// <summary>
/// Which of the three access patterns a query uses, plus the optional narrowing that stays inside that
/// one Query: a time range (key condition on the sort key) and an outcome (filter expression).
/// </summary>
public sealed record AccessRecordFilter(
    string? Actor = null, string? Session = null, DateOnly? Day = null, DateTimeOffset? From = null, DateTimeOffset? To = null,
    AccessOutcome? Outcome = null)
{
    /// <summary>Actor, session and day are alternatives: each names one partition of one index.</summary>
    public bool SelectsOnePattern => (Actor is not null ? 1 : 0) + (Session is not null ? 1 : 0) + (Day is not null ? 1 : 0) == 1;
}

/// <summary>
/// The auditors' three questions, each answered by exactly one DynamoDB Query per page:
/// by actor (table key), by session (index bySession), by day (index byDay), newest first.
/// </summary>
public sealed class AccessRecordQueries(IAmazonDynamoDB dynamo, string auditTable)
{
    public Task<AccessRecordPage> ByActorAsync(string actorUserId, DateTimeOffset? from, DateTimeOffset? to, int limit,
        Dictionary<string, AttributeValue>? startKey, CancellationToken cancellationToken) =>
        QueryAsync(new AccessRecordFilter(Actor: actorUserId, From: from, To: to), limit, startKey, cancellationToken);

    public Task<AccessRecordPage> BySessionAsync(string sessionId, DateTimeOffset? from, DateTimeOffset? to, int limit,
        Dictionary<string, AttributeValue>? startKey, CancellationToken cancellationToken) =>
        QueryAsync(new AccessRecordFilter(Session: sessionId, From: from, To: to), limit, startKey, cancellationToken);

    public Task<AccessRecordPage> ByDayAsync(DateOnly day, DateTimeOffset? from, DateTimeOffset? to, int limit,
        Dictionary<string, AttributeValue>? startKey, CancellationToken cancellationToken) =>
        QueryAsync(new AccessRecordFilter(Day: day, From: from, To: to), limit, startKey, cancellationToken);

    /// <summary>One page of one pattern: always exactly one Query call, never a Scan.</summary>
    public async Task<AccessRecordPage> QueryAsync(AccessRecordFilter filter, int limit, Dictionary<string, AttributeValue>? startKey,
        CancellationToken cancellationToken)
    {
        if (!filter.SelectsOnePattern)
        {
            throw new ArgumentException("Exactly one of actor, session and day selects the access pattern.", nameof(filter));
        }

        var (index, pkName, skName, pk) = filter switch
        {
            { Actor: { } actor } => (null, Attr.Pk, Attr.Sk, AccessRecordItem.ActorPrefix + actor),
            { Session: { } session } => (TableSchemas.AuditBySession, TableSchemas.BySessionPk, TableSchemas.BySessionSk,
                AccessRecordItem.SessionPrefix + session),
            _ => (TableSchemas.AuditByDay, TableSchemas.ByDayPk, TableSchemas.ByDaySk,
                AccessRecordItem.DayPrefix + filter.Day!.Value.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
        };

        // Sort keys start with the ISO time, so a time range is a key condition, not a filter.
        var lower = filter.From is { } f ? Attr.Iso(f) : "0";
        var upper = filter.To is { } t ? Attr.Iso(t) + "~" : "~";
        var request = new QueryRequest
        {
            TableName = auditTable,
            IndexName = index,
            KeyConditionExpression = "#pk = :pk AND #sk BETWEEN :from AND :to",
            ExpressionAttributeNames = new() { ["#pk"] = pkName, ["#sk"] = skName },
            ExpressionAttributeValues = new() { [":pk"] = Attr.S(pk), [":from"] = Attr.S(lower), [":to"] = Attr.S(upper) },
            ScanIndexForward = false,
            Limit = limit,
            ExclusiveStartKey = startKey,
        };
        if (filter.Outcome is { } outcome)
        {
            // A filter on the same Query: the partition is still read once, only matching items come back.
            request.FilterExpression = "#outcome = :outcome";
            request.ExpressionAttributeNames["#outcome"] = "outcome";
            request.ExpressionAttributeValues[":outcome"] = Attr.S(AccessRecord.OutcomeName(outcome));
        }

        var response = await dynamo.QueryAsync(request, cancellationToken);
        var items = response.Items.Select(StoredAccessRecord.FromItem).ToList();
        return new AccessRecordPage(items, response.LastEvaluatedKey is { Count: > 0 } next ? next : null);
    }
}
