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

    private string Table => storage.Value.DataTable;

    /// <summary>
    /// A session expires a fixed lifetime after the time its id carries, so whoever knows the id knows the expiry without a
    /// read (an upload takes its session's). Whole seconds: that is what TTL stores.
    /// </summary>
    public static DateTimeOffset ExpiryOf(string sessionId, int lifetimeDays) =>
        EntityId.TryParse(sessionId, out var id)
            ? DateTimeOffset.FromUnixTimeSeconds(id.CreatedAt.AddDays(lifetimeDays).ToUnixTimeSeconds())
            : throw new ArgumentException("Not a session id.", nameof(sessionId));

    public const string RegisterIds = "ids";

    public async Task<Session?> CreateAsync(string ownerId, string name, CancellationToken cancellationToken)
    {
        // The limit holds exactly however many processes race: each create adds its id to the owner's register in the same
        // transaction, on condition the register holds fewer than the limit. A set rather than a number, so removing an id
        // (a delete, a prune) is idempotent and the register can be checked against the items.
        var now = Attr.Millis(clock.GetUtcNow());
        var id = EntityId.New(now).Value;
        var session = new Session(id, name, now, now, ExpiryOf(id, limits.Value.SessionLifetimeDays));
        if (await TryCreateAsync(ownerId, session, cancellationToken) ||
            (await PruneRegisterAsync(ownerId, cancellationToken) && await TryCreateAsync(ownerId, session, cancellationToken)))
        {
            return session;
        }

        await accessLog.WriteAsync(new AccessEvent("session.create", AccessOutcome.Denied, "session-limit"), cancellationToken);
        return null;
    }

    private async Task<bool> TryCreateAsync(string ownerId, Session session, CancellationToken cancellationToken) =>
        await Dynamo.TryCommitAsync(
            [
                new()
                {
                    Update = new Update
                    {
                        TableName = Table,
                        Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.SessionRegister),
                        UpdateExpression = "ADD #ids :id",
                        ConditionExpression = "attribute_not_exists(#ids) OR size(#ids) < :max",
                        ExpressionAttributeNames = new() { ["#ids"] = RegisterIds },
                        ExpressionAttributeValues = new()
                        {
                            [":id"] = new AttributeValue { SS = [session.SessionId] }, [":max"] = Attr.N(limits.Value.MaxSessionsPerUser),
                        },
                    },
                },
                new() { Put = new Put { TableName = Table, Item = ToItem(ownerId, session), ConditionExpression = "attribute_not_exists(pk)" } },
                await accessLog.PrepareAsync(new AccessEvent("session.create", AccessOutcome.Allowed, SessionId: session.SessionId), cancellationToken),
            ],
            cancellationToken);

    /// <summary>
    /// At the limit, takes out of the register the ids of sessions that expired (TTL deletes them without telling anyone, and
    /// late) or vanished; true if it freed a place. The register is read before the sessions: an id added meanwhile was added
    /// with its session item in one transaction, so the later read sees that item and the id stays.
    /// </summary>
    private async Task<bool> PruneRegisterAsync(string ownerId, CancellationToken cancellationToken)
    {
        var register = await Dynamo.GetItemAsync(
            new GetItemRequest { TableName = Table, Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.SessionRegister), ConsistentRead = true }, cancellationToken);
        var registered = register.Item is { } item && item.TryGetValue(RegisterIds, out var ids) ? ids.SS : [];
        var live = await LiveSessionIdsAsync(ownerId, cancellationToken);
        var gone = registered.Where(id => !live.Contains(id)).ToList();
        if (gone.Count == 0)
        {
            return false;
        }

        await Dynamo.UpdateItemAsync(
            new UpdateItemRequest
            {
                TableName = Table,
                Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.SessionRegister),
                UpdateExpression = "DELETE #ids :gone",
                ExpressionAttributeNames = new() { ["#ids"] = RegisterIds },
                ExpressionAttributeValues = new() { [":gone"] = new AttributeValue { SS = gone } },
            },
            cancellationToken);
        return true;
    }

    private async Task<HashSet<string>> LiveSessionIdsAsync(string ownerId, CancellationToken cancellationToken)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var query = LiveSessions(ownerId);
            query.ProjectionExpression = "sessionId";
            query.ExclusiveStartKey = start;
            var page = await Dynamo.QueryAsync(query, cancellationToken);
            live.UnionWith(page.Items.Select(i => i.RequireS("sessionId")));
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return live;
    }

    public async Task<SessionPage> ListAsync(string ownerId, string? afterSessionId, int limit, CancellationToken cancellationToken)
    {
        var request = LiveSessions(ownerId);
        request.ScanIndexForward = false;
        request.Limit = limit;
        if (afterSessionId is not null)
        {
            request.ExclusiveStartKey = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Session(afterSessionId));
        }

        var response = await Dynamo.QueryAsync(request, cancellationToken);
        await accessLog.WriteAsync(new AccessEvent("session.list", AccessOutcome.Allowed), cancellationToken);
        var next = response.LastEvaluatedKey is { Count: > 0 } last ? DataKeys.SessionIdOf(last.RequireS(Attr.Sk)) : null;
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
                Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Session(sessionId)),
                UpdateExpression = "SET #name = :name, updatedAt = :updatedAt",
                ConditionExpression = SessionLiveness.Condition,
                ExpressionAttributeNames = new() { ["#name"] = "name", ["#ttl"] = Attr.Ttl },
                ExpressionAttributeValues = new()
                {
                    [":name"] = Attr.S(name),
                    [":updatedAt"] = Attr.S(Attr.Iso(renamed.UpdatedAt)),
                    [":now"] = Attr.N(clock.GetUtcNow().ToUnixTimeSeconds()),
                },
            },
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
        // A session already being deleted may be deleted again: that is how an interrupted delete is finished. Its id leaves
        // the register in the same transaction, so the place is free at once; removing it twice changes nothing.
        var applied = await Dynamo.TryCommitAsync(
            [
                new()
                {
                    Update = new Update
                    {
                        TableName = Table,
                        Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Session(sessionId)),
                        UpdateExpression = $"SET {SessionLiveness.DeletingAttribute} = :true",
                        ConditionExpression = "attribute_exists(pk) AND #ttl > :now",
                        ExpressionAttributeNames = new() { ["#ttl"] = Attr.Ttl },
                        ExpressionAttributeValues = new()
                        {
                            [":true"] = new AttributeValue { BOOL = true }, [":now"] = Attr.N(clock.GetUtcNow().ToUnixTimeSeconds()),
                        },
                    },
                },
                new()
                {
                    Update = new Update
                    {
                        TableName = Table,
                        Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.SessionRegister),
                        UpdateExpression = "DELETE #ids :id",
                        ExpressionAttributeNames = new() { ["#ids"] = RegisterIds },
                        ExpressionAttributeValues = new() { [":id"] = new AttributeValue { SS = [sessionId] } },
                    },
                },
                await accessLog.PrepareAsync(new AccessEvent("session.delete", AccessOutcome.Allowed, SessionId: sessionId), cancellationToken),
            ],
            cancellationToken);
        if (!applied)
        {
            await accessLog.WriteAsync(new AccessEvent("session.delete", AccessOutcome.NotFound, SessionId: sessionId), cancellationToken);
        }

        return applied;
    }

    public async Task ForgetOwnerAsync(string ownerId, CancellationToken cancellationToken) =>
        await Dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = Table, Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.SessionRegister) }, cancellationToken);

    public async Task FinishDeleteAsync(string ownerId, string sessionId, CancellationToken cancellationToken) =>
        await Dynamo.DeleteItemAsync(
            new DeleteItemRequest { TableName = Table, Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Session(sessionId)) },
            cancellationToken);

    public async Task<IReadOnlyList<string>> ListAllIdsAsync(string ownerId, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var request = new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "pk = :pk AND begins_with(sk, :prefix)",
            ProjectionExpression = "sk",
            ExpressionAttributeValues = new() { [":pk"] = Attr.S(DataKeys.Owner(ownerId)), [":prefix"] = Attr.S(DataKeys.SessionsPrefix) },
            ConsistentRead = true,
        };
        do
        {
            var response = await Dynamo.QueryAsync(request, cancellationToken);
            ids.AddRange(response.Items.Select(item => DataKeys.SessionIdOf(item.RequireS(Attr.Sk))));
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
        FilterExpression = SessionLiveness.Filter,
        ExpressionAttributeNames = new() { ["#ttl"] = Attr.Ttl },
        ExpressionAttributeValues = new()
        {
            [":pk"] = Attr.S(DataKeys.Owner(ownerId)),
            [":prefix"] = Attr.S(DataKeys.SessionsPrefix),
            [":now"] = Attr.N(clock.GetUtcNow().ToUnixTimeSeconds()),
        },
        ConsistentRead = true,
    };

    private async Task<Session?> ReadAsync(string ownerId, string sessionId, CancellationToken cancellationToken)
    {
        var response = await Dynamo.GetItemAsync(
            new GetItemRequest { TableName = Table, Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Session(sessionId)), ConsistentRead = true },
            cancellationToken);
        return SessionLiveness.IsLive(response.Item, clock.GetUtcNow()) ? FromItem(response.Item) : null;
    }

    private async Task<bool> TryTransactAsync(Update update, AccessEvent record, CancellationToken cancellationToken) =>
        await Dynamo.TryCommitAsync([new() { Update = update }, await accessLog.PrepareAsync(record, cancellationToken)], cancellationToken);

    private static Dictionary<string, AttributeValue> ToItem(string ownerId, Session s)
    {
        var item = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Session(s.SessionId));
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
