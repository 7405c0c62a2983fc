using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Audit;
using Enclave.Core.Configuration;
using Enclave.Core.Ids;
using Enclave.Core.Storage;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Sessions;

/// <summary>Sessions as <c>USER#{owner}/SESSION#{id}</c> in the data table.</summary>
public sealed class DynamoSessionStore(
    IAmazonDynamoDB dynamo,
    IOptions<StorageOptions> storage,
    IOptions<LimitsOptions> limits,
    IAccessLog accessLog,
    TimeProvider clock) : ISessionStore
{
    private const string SessionPrefix = "SESSION#";
    private const string LiveCondition = "attribute_exists(pk) AND #ttl > :now";

    private string Table => storage.Value.DataTable;

    public static string OwnerKey(string ownerId) => "USER#" + ownerId;

    public async Task<Session> CreateAsync(string ownerId, string name, CancellationToken cancellationToken)
    {
        var now = Attr.Millis(clock.GetUtcNow());
        var expires = DateTimeOffset.FromUnixTimeSeconds(now.AddDays(limits.Value.SessionLifetimeDays).ToUnixTimeSeconds());
        var session = new Session(EntityId.New().Value, name, now, now, expires);
        await dynamo.TransactWriteItemsAsync(
            new TransactWriteItemsRequest
            {
                TransactItems =
                [
                    new() { Put = new Put { TableName = Table, Item = ToItem(ownerId, session), ConditionExpression = "attribute_not_exists(pk)" } },
                    await accessLog.PrepareAsync(new AccessEvent("session.create", AccessOutcome.Allowed, SessionId: session.SessionId), cancellationToken),
                ],
            },
            cancellationToken);
        return session;
    }

    public async Task<SessionPage> ListAsync(string ownerId, string? afterSessionId, int limit, CancellationToken cancellationToken)
    {
        var request = new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "pk = :pk AND begins_with(sk, :prefix)",
            FilterExpression = "#ttl > :now",
            ExpressionAttributeNames = new() { ["#ttl"] = Attr.Ttl },
            ExpressionAttributeValues = new()
            {
                [":pk"] = Attr.S(OwnerKey(ownerId)),
                [":prefix"] = Attr.S(SessionPrefix),
                [":now"] = Attr.N(clock.GetUtcNow().ToUnixTimeSeconds()),
            },
            ScanIndexForward = false,
            Limit = limit,
            ConsistentRead = true,
        };
        if (afterSessionId is not null)
        {
            request.ExclusiveStartKey = Attr.Key(OwnerKey(ownerId), SessionPrefix + afterSessionId);
        }

        var response = await dynamo.QueryAsync(request, cancellationToken);
        await accessLog.WriteAsync(new AccessEvent("session.list", AccessOutcome.Allowed), cancellationToken);
        var next = response.LastEvaluatedKey is { Count: > 0 } last ? last.RequireS(Attr.Sk)[SessionPrefix.Length..] : null;
        return new SessionPage([.. response.Items.Select(FromItem)], next);
    }

    public async Task<Session?> FindAsync(string ownerId, string sessionId, CancellationToken cancellationToken)
    {
        var session = await ReadAsync(ownerId, sessionId, cancellationToken);
        await accessLog.WriteAsync(
            new AccessEvent("session.read", session is null ? AccessOutcome.NotFound : AccessOutcome.Allowed, SessionId: sessionId),
            cancellationToken);
        return session;
    }

    public async Task<Session?> RenameAsync(string ownerId, string sessionId, string name, CancellationToken cancellationToken)
    {
        var current = await ReadAsync(ownerId, sessionId, cancellationToken);
        if (current is null)
        {
            await accessLog.WriteAsync(new AccessEvent("session.rename", AccessOutcome.NotFound, SessionId: sessionId), cancellationToken);
            return null;
        }

        var renamed = current with { Name = name, UpdatedAt = Attr.Millis(clock.GetUtcNow()) };
        var applied = await TryTransactAsync(
            new Update
            {
                TableName = Table,
                Key = Attr.Key(OwnerKey(ownerId), SessionPrefix + sessionId),
                UpdateExpression = "SET #name = :name, updatedAt = :updatedAt",
                ConditionExpression = LiveCondition,
                ExpressionAttributeNames = new() { ["#name"] = "name", ["#ttl"] = Attr.Ttl },
                ExpressionAttributeValues = new()
                {
                    [":name"] = Attr.S(name),
                    [":updatedAt"] = Attr.S(Attr.Iso(renamed.UpdatedAt)),
                    [":now"] = Attr.N(clock.GetUtcNow().ToUnixTimeSeconds()),
                },
            },
            null,
            new AccessEvent("session.rename", AccessOutcome.Allowed, SessionId: sessionId),
            cancellationToken);
        if (!applied)
        {
            await accessLog.WriteAsync(new AccessEvent("session.rename", AccessOutcome.NotFound, SessionId: sessionId), cancellationToken);
            return null;
        }

        return renamed;
    }

    public async Task<bool> DeleteAsync(string ownerId, string sessionId, CancellationToken cancellationToken)
    {
        var applied = await TryTransactAsync(
            null,
            new Delete
            {
                TableName = Table,
                Key = Attr.Key(OwnerKey(ownerId), SessionPrefix + sessionId),
                ConditionExpression = LiveCondition,
                ExpressionAttributeNames = new() { ["#ttl"] = Attr.Ttl },
                ExpressionAttributeValues = new() { [":now"] = Attr.N(clock.GetUtcNow().ToUnixTimeSeconds()) },
            },
            new AccessEvent("session.delete", AccessOutcome.Allowed, SessionId: sessionId),
            cancellationToken);
        if (!applied)
        {
            await accessLog.WriteAsync(new AccessEvent("session.delete", AccessOutcome.NotFound, SessionId: sessionId), cancellationToken);
        }

        return applied;
    }

    private async Task<Session?> ReadAsync(string ownerId, string sessionId, CancellationToken cancellationToken)
    {
        var response = await dynamo.GetItemAsync(
            new GetItemRequest { TableName = Table, Key = Attr.Key(OwnerKey(ownerId), SessionPrefix + sessionId), ConsistentRead = true },
            cancellationToken);
        return response.Item is { Count: > 0 } item && item.IsLive(clock.GetUtcNow()) ? FromItem(item) : null;
    }

    private async Task<bool> TryTransactAsync(Update? update, Delete? delete, AccessEvent record, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.TransactWriteItemsAsync(
                new TransactWriteItemsRequest
                {
                    TransactItems = [new() { Update = update, Delete = delete }, await accessLog.PrepareAsync(record, cancellationToken)],
                },
                cancellationToken);
            return true;
        }
        catch (TransactionCanceledException ex) when (ex.CancellationReasons?.FirstOrDefault()?.Code == "ConditionalCheckFailed")
        {
            return false;
        }
    }

    private static Dictionary<string, AttributeValue> ToItem(string ownerId, Session s)
    {
        var item = Attr.Key(OwnerKey(ownerId), SessionPrefix + s.SessionId);
        item["sessionId"] = Attr.S(s.SessionId);
        item["name"] = Attr.S(s.Name);
        item["createdAt"] = Attr.S(Attr.Iso(s.CreatedAt));
        item["updatedAt"] = Attr.S(Attr.Iso(s.UpdatedAt));
        item[Attr.Ttl] = Attr.N(s.ExpiresAt.ToUnixTimeSeconds());
        return item;
    }

    private static Session FromItem(Dictionary<string, AttributeValue> item) => new(
        item.RequireS("sessionId"),
        item.RequireS("name"),
        DateTimeOffset.Parse(item.RequireS("createdAt"), System.Globalization.CultureInfo.InvariantCulture),
        DateTimeOffset.Parse(item.RequireS("updatedAt"), System.Globalization.CultureInfo.InvariantCulture),
        DateTimeOffset.FromUnixTimeSeconds(item.GetN(Attr.Ttl)));
}
