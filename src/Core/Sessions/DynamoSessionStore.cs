using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Audit;
using Enclave.Core.Configuration;
using Enclave.Core.Ids;
using Enclave.Core.Security;
using Enclave.Core.Storage;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Sessions;

/// <summary>Sessions as <c>USER#{owner}/SESSION#{id}</c> in the data table.</summary>
public sealed class DynamoSessionStore(
    IUserDataClients userData,
    IOptions<StorageOptions> storage,
    IOptions<LimitsOptions> limits,
    IAccessLog accessLog,
    TimeProvider clock) : ISessionStore
{
    private IAmazonDynamoDB Dynamo => userData.Dynamo;


    private const string SessionPrefix = "SESSION#";
    private const string LiveCondition = "attribute_exists(pk) AND #ttl > :now AND attribute_not_exists(deleting)";

    private string Table => storage.Value.DataTable;

    public static string OwnerKey(string ownerId) => "USER#" + ownerId;

    public static string SessionSortKey(string sessionId) => SessionPrefix + sessionId;

    public async Task<Session?> CreateAsync(string ownerId, string name, CancellationToken cancellationToken)
    {
        // Counted, not kept in a counter: TTL deletes sessions without telling anyone, so a counter would drift.
        // Concurrent creates can overshoot by the number racing; the limit is a resource guard, not a security boundary.
        if (await CountLiveAsync(ownerId, cancellationToken) >= limits.Value.MaxSessionsPerUser)
        {
            await accessLog.WriteAsync(new AccessEvent("session.create", AccessOutcome.Denied, "session-limit"), cancellationToken);
            return null;
        }

        var now = Attr.Millis(clock.GetUtcNow());
        var expires = DateTimeOffset.FromUnixTimeSeconds(now.AddDays(limits.Value.SessionLifetimeDays).ToUnixTimeSeconds());
        var session = new Session(EntityId.New().Value, name, now, now, expires);
        await Dynamo.TransactWriteItemsAsync(
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

    private async Task<int> CountLiveAsync(string ownerId, CancellationToken cancellationToken)
    {
        var count = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var query = LiveSessions(ownerId);
            query.Select = Select.COUNT;
            query.ExclusiveStartKey = start;
            var page = await Dynamo.QueryAsync(query, cancellationToken);
            count += page.Count ?? 0;
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return count;
    }

    public async Task<SessionPage> ListAsync(string ownerId, string? afterSessionId, int limit, CancellationToken cancellationToken)
    {
        var request = LiveSessions(ownerId);
        request.ScanIndexForward = false;
        request.Limit = limit;
        if (afterSessionId is not null)
        {
            request.ExclusiveStartKey = Attr.Key(OwnerKey(ownerId), SessionPrefix + afterSessionId);
        }

        var response = await Dynamo.QueryAsync(request, cancellationToken);
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

    public async Task<bool> BeginDeleteAsync(string ownerId, string sessionId, CancellationToken cancellationToken)
    {
        // A session already being deleted may be deleted again: that is how an interrupted delete is finished.
        var applied = await TryTransactAsync(
            new Update
            {
                TableName = Table,
                Key = Attr.Key(OwnerKey(ownerId), SessionPrefix + sessionId),
                UpdateExpression = "SET deleting = :true",
                ConditionExpression = "attribute_exists(pk) AND #ttl > :now",
                ExpressionAttributeNames = new() { ["#ttl"] = Attr.Ttl },
                ExpressionAttributeValues = new() { [":true"] = new AttributeValue { BOOL = true }, [":now"] = Attr.N(clock.GetUtcNow().ToUnixTimeSeconds()) },
            },
            null,
            new AccessEvent("session.delete", AccessOutcome.Allowed, SessionId: sessionId),
            cancellationToken);
        if (!applied)
        {
            await accessLog.WriteAsync(new AccessEvent("session.delete", AccessOutcome.NotFound, SessionId: sessionId), cancellationToken);
        }

        return applied;
    }

    public async Task FinishDeleteAsync(string ownerId, string sessionId, CancellationToken cancellationToken) =>
        await Dynamo.DeleteItemAsync(
            new DeleteItemRequest { TableName = Table, Key = Attr.Key(OwnerKey(ownerId), SessionPrefix + sessionId) },
            cancellationToken);

    public async Task<IReadOnlyList<string>> ListAllIdsAsync(string ownerId, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var request = new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "pk = :pk AND begins_with(sk, :prefix)",
            ProjectionExpression = "sk",
            ExpressionAttributeValues = new() { [":pk"] = Attr.S(OwnerKey(ownerId)), [":prefix"] = Attr.S(SessionPrefix) },
            ConsistentRead = true,
        };
        do
        {
            var response = await Dynamo.QueryAsync(request, cancellationToken);
            ids.AddRange(response.Items.Select(item => item.RequireS(Attr.Sk)[SessionPrefix.Length..]));
            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);

        await accessLog.WriteAsync(new AccessEvent("session.list", AccessOutcome.Allowed, "erasure"), cancellationToken);
        return ids;
    }

    /// <summary>The owner's sessions that are neither expired (TTL deletion lags) nor being deleted.</summary>
    private QueryRequest LiveSessions(string ownerId) => new()
    {
        TableName = Table,
        KeyConditionExpression = "pk = :pk AND begins_with(sk, :prefix)",
        FilterExpression = "#ttl > :now AND attribute_not_exists(deleting)",
        ExpressionAttributeNames = new() { ["#ttl"] = Attr.Ttl },
        ExpressionAttributeValues = new()
        {
            [":pk"] = Attr.S(OwnerKey(ownerId)),
            [":prefix"] = Attr.S(SessionPrefix),
            [":now"] = Attr.N(clock.GetUtcNow().ToUnixTimeSeconds()),
        },
        ConsistentRead = true,
    };

    private async Task<Session?> ReadAsync(string ownerId, string sessionId, CancellationToken cancellationToken)
    {
        var response = await Dynamo.GetItemAsync(
            new GetItemRequest { TableName = Table, Key = Attr.Key(OwnerKey(ownerId), SessionPrefix + sessionId), ConsistentRead = true },
            cancellationToken);
        return response.Item is { Count: > 0 } item && item.IsLive(clock.GetUtcNow()) && !item.ContainsKey("deleting") ? FromItem(item) : null;
    }

    private async Task<bool> TryTransactAsync(Update? update, Delete? delete, AccessEvent record, CancellationToken cancellationToken) =>
        await Dynamo.TryCommitAsync([new() { Update = update, Delete = delete }, await accessLog.PrepareAsync(record, cancellationToken)], cancellationToken);

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
