using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Storage;

namespace Enclave.Core.Audit;

public sealed record AccessRecordPage(IReadOnlyList<StoredAccessRecord> Items, Dictionary<string, AttributeValue>? NextKey);

/// <summary>A record as read back, with what is needed to check its signature.</summary>
public sealed record StoredAccessRecord(AccessRecord Record, string KeyId, string Mac)
{
    public bool Verify(Secrets.SigningKey key) =>
        key.KeyId == KeyId &&
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            Convert.FromHexString(Mac), Convert.FromHexString(key.SignToHex(Record.Canonical())));
}

/// <summary>
/// The auditors' three questions, each answered by exactly one DynamoDB Query per page:
/// by actor (table key), by session (index bySession), by day (index byDay), newest first.
/// </summary>
public sealed class AccessRecordQueries(IAmazonDynamoDB dynamo, string auditTable)
{
    public Task<AccessRecordPage> ByActorAsync(string actorUserId, DateTimeOffset? from, DateTimeOffset? to, int limit,
        Dictionary<string, AttributeValue>? startKey, CancellationToken cancellationToken) =>
        QueryAsync(null, Attr.Pk, Attr.Sk, AccessRecordItem.ActorPrefix + actorUserId, from, to, limit, startKey, cancellationToken);

    public Task<AccessRecordPage> BySessionAsync(string sessionId, DateTimeOffset? from, DateTimeOffset? to, int limit,
        Dictionary<string, AttributeValue>? startKey, CancellationToken cancellationToken) =>
        QueryAsync(TableSchemas.AuditBySession, TableSchemas.BySessionPk, TableSchemas.BySessionSk, AccessRecordItem.SessionPrefix + sessionId,
            from, to, limit, startKey, cancellationToken);

    public Task<AccessRecordPage> ByDayAsync(DateOnly day, DateTimeOffset? from, DateTimeOffset? to, int limit,
        Dictionary<string, AttributeValue>? startKey, CancellationToken cancellationToken) =>
        QueryAsync(TableSchemas.AuditByDay, TableSchemas.ByDayPk, TableSchemas.ByDaySk,
            AccessRecordItem.DayPrefix + day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            from, to, limit, startKey, cancellationToken);

    private async Task<AccessRecordPage> QueryAsync(string? index, string pkName, string skName, string pk, DateTimeOffset? from,
        DateTimeOffset? to, int limit, Dictionary<string, AttributeValue>? startKey, CancellationToken cancellationToken)
    {
        // Sort keys start with the ISO time, so a time range is a key condition, not a filter.
        var lower = from is { } f ? Attr.Iso(f) : "0";
        var upper = to is { } t ? Attr.Iso(t) + "~" : "~";
        var response = await dynamo.QueryAsync(
            new QueryRequest
            {
                TableName = auditTable,
                IndexName = index,
                KeyConditionExpression = "#pk = :pk AND #sk BETWEEN :from AND :to",
                ExpressionAttributeNames = new() { ["#pk"] = pkName, ["#sk"] = skName },
                ExpressionAttributeValues = new() { [":pk"] = Attr.S(pk), [":from"] = Attr.S(lower), [":to"] = Attr.S(upper) },
                ScanIndexForward = false,
                Limit = limit,
                ExclusiveStartKey = startKey,
            },
            cancellationToken);
        var items = response.Items
            .Select(item => new StoredAccessRecord(AccessRecordItem.FromItem(item), item.RequireS("keyId"), item.RequireS("mac")))
            .ToList();
        return new AccessRecordPage(items, response.LastEvaluatedKey is { Count: > 0 } next ? next : null);
    }
}
