using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Enclave.Core.Audit;
using Enclave.Core.Configuration;
using Enclave.Core.Security;
using Enclave.Core.Sessions;
using Enclave.Core.Storage;
using Microsoft.Extensions.Options;

namespace Enclave.Core.Uploads;

/// <summary>
/// Uploads as <c>USER#{owner}/UPLOAD#{sessionId}#{uploadId}</c>; the session item counts its uploads so the
/// per-session limit is enforced in the same transaction that creates one.
/// </summary>
public sealed class DynamoUploadStore(
    IUserDataClients userData,
    IOptions<StorageOptions> storage,
    IOptions<LimitsOptions> limits,
    IAccessLog accessLog,
    TimeProvider clock) : IUploadStore
{
    private IAmazonDynamoDB Dynamo => userData.Dynamo;

    private const string Visible = "#ttl > :now AND #status <> :deleting";

    private string Table => storage.Value.DataTable;

    /// <summary>Reads an entry of the sweep index (keys only) back into ids; false for anything that is not one.</summary>
    public static bool TryReadSweepEntry(Dictionary<string, AttributeValue> keys, out SweepEntry entry)
    {
        entry = null!;
        if (!DataKeys.TryReadUpload(keys.GetS(Attr.Pk), keys.GetS(Attr.Sk), out var key))
        {
            return false;
        }

        entry = new SweepEntry(key.OwnerId, key.SessionId, key.UploadId, key.IsTombstone);
        return true;
    }

    private DateTimeOffset SweepDueAt(DateTimeOffset createdAt) => SweepSchedule.DueAt(createdAt, limits.Value.UploadFormMinutes);

    /// <summary>What remains of an upload deleted while its form could still write: ids and a time, for the sweeper.</summary>
    private static Dictionary<string, AttributeValue> Tombstone(string ownerId, string sessionId, string uploadId, DateTimeOffset dueAt)
    {
        var item = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Tombstone(sessionId, uploadId));
        item[TableSchemas.SweepShard] = Attr.S(SweepSchedule.Shard(uploadId));
        item[TableSchemas.SweepAt] = Attr.S(Attr.Iso(dueAt));
        item[Attr.Ttl] = Attr.N(dueAt.AddDays(1).ToUnixTimeSeconds());
        return item;
    }

    public async Task<CreateUploadResult> CreatePendingAsync(string ownerId, Upload upload, int maxPerSession, CancellationToken cancellationToken)
    {
        if (await TryCreatePendingAsync(ownerId, upload, maxPerSession, cancellationToken))
        {
            return CreateUploadResult.Created;
        }

        // Refused: read the session once to say why (and to record it). A live session whose expiry is not the one its id
        // gives was created under another lifetime setting (or before expiries followed ids); one more try with its own.
        var session = await Dynamo.GetItemAsync(
            new GetItemRequest
            {
                TableName = Table,
                Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Session(upload.SessionId)),
                ConsistentRead = true,
            },
            cancellationToken);
        var live = SessionLiveness.IsLive(session.Item, clock.GetUtcNow());
        if (live && session.Item!.GetN(Attr.Ttl) != upload.ExpiresAt.ToUnixTimeSeconds() &&
            await TryCreatePendingAsync(ownerId, upload with { ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(session.Item!.GetN(Attr.Ttl)) },
                maxPerSession, cancellationToken))
        {
            return CreateUploadResult.Created;
        }

        await accessLog.WriteAsync(
            new AccessEvent("upload.create", live ? AccessOutcome.Denied : AccessOutcome.NotFound, live ? "upload-limit" : null,
                SessionId: upload.SessionId),
            cancellationToken);
        return live ? CreateUploadResult.LimitReached : CreateUploadResult.SessionNotFound;
    }

    /// <summary>
    /// One transaction: the session is live, has room and expires when the upload does (so the upload never outlives it); its
    /// counter goes up, the upload item and its record are written. False when the session refused it.
    /// </summary>
    private async Task<bool> TryCreatePendingAsync(string ownerId, Upload upload, int maxPerSession, CancellationToken cancellationToken) =>
        await Dynamo.TryCommitAsync(
            [
                new()
                {
                    Update = new Update
                    {
                        TableName = Table,
                        Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Session(upload.SessionId)),
                        UpdateExpression = "SET uploadCount = if_not_exists(uploadCount, :zero) + :one",
                        ConditionExpression = SessionLiveness.Condition + " AND #ttl = :expires AND (attribute_not_exists(uploadCount) OR uploadCount < :max)",
                        ExpressionAttributeNames = new() { ["#ttl"] = Attr.Ttl },
                        ExpressionAttributeValues = new()
                        {
                            [":zero"] = Attr.N(0), [":one"] = Attr.N(1), [":now"] = Attr.N(clock.GetUtcNow().ToUnixTimeSeconds()),
                            [":expires"] = Attr.N(upload.ExpiresAt.ToUnixTimeSeconds()), [":max"] = Attr.N(maxPerSession),
                        },
                    },
                },
                new() { Put = new Put { TableName = Table, Item = ToItem(ownerId, upload), ConditionExpression = "attribute_not_exists(pk)" } },
                await accessLog.PrepareAsync(
                    new AccessEvent("upload.create", AccessOutcome.Allowed, SessionId: upload.SessionId, UploadId: upload.UploadId),
                    cancellationToken),
            ],
            cancellationToken);

    public async Task<Upload?> FindAsync(string ownerId, string sessionId, string uploadId, string action, CancellationToken cancellationToken)
    {
        var upload = await ReadAsync(ownerId, sessionId, uploadId, cancellationToken);
        await accessLog.WriteAsync(
            new AccessEvent(action, upload is null ? AccessOutcome.NotFound : AccessOutcome.Allowed, SessionId: sessionId, UploadId: uploadId),
            cancellationToken);
        return upload;
    }

    public Task<Upload?> PeekAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken) =>
        ReadAsync(ownerId, sessionId, uploadId, cancellationToken);

    public async Task<UploadPage?> ListAsync(string ownerId, string sessionId, string? afterUploadId, int limit, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var session = await Dynamo.GetItemAsync(
            new GetItemRequest
            {
                TableName = Table,
                Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Session(sessionId)),
                ConsistentRead = true,
            },
            cancellationToken);
        if (!SessionLiveness.IsLive(session.Item, now))
        {
            await accessLog.WriteAsync(new AccessEvent("upload.list", AccessOutcome.NotFound, SessionId: sessionId), cancellationToken);
            return null;
        }

        var request = new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "pk = :pk AND begins_with(sk, :prefix)",
            FilterExpression = Visible,
            ExpressionAttributeNames = new() { ["#ttl"] = Attr.Ttl, ["#status"] = "status" },
            ExpressionAttributeValues = new()
            {
                [":pk"] = Attr.S(DataKeys.Owner(ownerId)),
                [":prefix"] = Attr.S(DataKeys.UploadsOf(sessionId)),
                [":now"] = Attr.N(now.ToUnixTimeSeconds()),
                [":deleting"] = Attr.S(UploadStatus.Deleting),
            },
            ScanIndexForward = false,
            Limit = limit,
            ConsistentRead = true,
            ExclusiveStartKey = afterUploadId is null ? null : Attr.Key(DataKeys.Owner(ownerId), DataKeys.Upload(sessionId, afterUploadId)),
        };
        var response = await Dynamo.QueryAsync(request, cancellationToken);
        await accessLog.WriteAsync(new AccessEvent("upload.list", AccessOutcome.Allowed, SessionId: sessionId), cancellationToken);
        var next = response.LastEvaluatedKey is { Count: > 0 } last ? last.RequireS(Attr.Sk).Split('#')[^1] : null;
        return new UploadPage([.. response.Items.Select(FromItem)], next);
    }

    public Task<bool> SettleAsync(string ownerId, Upload upload, string status, StoredObject? stored, string? reason, string action,
        CancellationToken cancellationToken) =>
        TransitionAsync(ownerId, upload, UploadStatus.Pending, status, reason, stored?.Size ?? -1,
            status == UploadStatus.Uploaded ? stored?.VersionId : null,
            new AccessEvent(action, status == UploadStatus.Rejected ? AccessOutcome.Denied : AccessOutcome.Allowed, reason, upload.SessionId, upload.UploadId),
            cancellationToken);

    public async Task<(Upload Upload, int Attempts)?> ClaimForProcessingAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = Table,
                    Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Upload(sessionId, uploadId)),
                    UpdateExpression = "SET #status = :processing, updatedAt = :updatedAt ADD attempts :one",
                    ConditionExpression = "#status IN (:uploaded, :processing) AND #ttl > :now",
                    ExpressionAttributeNames = new() { ["#status"] = "status", ["#ttl"] = Attr.Ttl },
                    ExpressionAttributeValues = new()
                    {
                        [":processing"] = Attr.S(UploadStatus.Processing),
                        [":uploaded"] = Attr.S(UploadStatus.Uploaded),
                        [":updatedAt"] = Attr.S(Attr.Iso(clock.GetUtcNow())),
                        [":one"] = Attr.N(1),
                        [":now"] = Attr.N(clock.GetUtcNow().ToUnixTimeSeconds()),
                    },
                    ReturnValues = ReturnValue.ALL_NEW,
                },
                cancellationToken);
            return (FromItem(response.Attributes), (int)response.Attributes.GetN("attempts"));
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    public Task<bool> FinishProcessingAsync(string ownerId, Upload upload, string status, string? reason, CancellationToken cancellationToken) =>
        TransitionAsync(ownerId, upload, UploadStatus.Processing, status, reason, null, null,
            new AccessEvent("upload.process", status == UploadStatus.Ready ? AccessOutcome.Allowed : AccessOutcome.Denied, reason,
                upload.SessionId, upload.UploadId, ownerId),
            cancellationToken);

    public Task<bool> ExpireAsync(string ownerId, Upload upload, CancellationToken cancellationToken) =>
        TransitionAsync(ownerId, upload, UploadStatus.Pending, UploadStatus.Expired, "The upload window closed before the file was completed.", null, null,
            new AccessEvent("upload.expire", AccessOutcome.Allowed, null, upload.SessionId, upload.UploadId, ownerId),
            cancellationToken);

    public async Task FinishSweepAsync(SweepEntry entry, CancellationToken cancellationToken)
    {
        var pk = DataKeys.Owner(entry.OwnerId);
        TransactWriteItem change = entry.Tombstone
            ? new() { Delete = new Delete { TableName = Table, Key = Attr.Key(pk, DataKeys.Tombstone(entry.SessionId, entry.UploadId)) } }
            : new()
            {
                Update = new Update
                {
                    TableName = Table,
                    Key = Attr.Key(pk, DataKeys.Upload(entry.SessionId, entry.UploadId)),
                    UpdateExpression = "REMOVE #shard, #at",
                    ConditionExpression = "attribute_exists(pk)",
                    ExpressionAttributeNames = new() { ["#shard"] = TableSchemas.SweepShard, ["#at"] = TableSchemas.SweepAt },
                },
            };
        // A condition failure means the upload was deleted meanwhile: its delete took the entry off the list.
        await Dynamo.TryCommitAsync(
            [
                change,
                await accessLog.PrepareAsync(
                    new AccessEvent("upload.sweep", AccessOutcome.Allowed, null, entry.SessionId, entry.UploadId, entry.OwnerId), cancellationToken),
            ],
            cancellationToken);
    }

    /// <summary>Moves an upload from one status to the next, with its record, only if it is still in the first.</summary>
    private async Task<bool> TransitionAsync(string ownerId, Upload upload, string from, string to, string? reason, long? size,
        string? pinVersionId, AccessEvent record, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":status"] = Attr.S(to),
            [":from"] = Attr.S(from),
            [":updatedAt"] = Attr.S(Attr.Iso(clock.GetUtcNow())),
            [":reason"] = reason is null ? new AttributeValue { NULL = true } : Attr.S(reason),
        };
        var update = "SET #status = :status, updatedAt = :updatedAt, reason = :reason";
        if (size is { } measured)
        {
            // -1: nothing arrived to measure.
            values[":size"] = measured < 0 ? new AttributeValue { NULL = true } : Attr.N(measured);
            update += ", size = :size";
        }

        if (pinVersionId is not null)
        {
            values[":versionId"] = Attr.S(pinVersionId);
            update += ", versionId = :versionId";
        }

        return await Dynamo.TryCommitAsync(
            [
                new()
                {
                    Update = new Update
                    {
                        TableName = Table,
                        Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Upload(upload.SessionId, upload.UploadId)),
                        UpdateExpression = update,
                        ConditionExpression = "#status = :from",
                        ExpressionAttributeNames = new() { ["#status"] = "status" },
                        ExpressionAttributeValues = values,
                    },
                },
                await accessLog.PrepareAsync(record, cancellationToken),
            ],
            cancellationToken);
    }

    public async Task<Upload?> MarkDeletingAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken)
    {
        var upload = await ReadAsync(ownerId, sessionId, uploadId, cancellationToken, includeDeleting: true);
        if (upload is null)
        {
            await accessLog.WriteAsync(new AccessEvent("upload.delete", AccessOutcome.NotFound, SessionId: sessionId, UploadId: uploadId), cancellationToken);
            return null;
        }

        if (upload.Status != UploadStatus.Deleting)
        {
            await Dynamo.CommitAsync(
                [
                    new()
                    {
                        Update = new Update
                        {
                            TableName = Table,
                            Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Upload(sessionId, uploadId)),
                            UpdateExpression = "SET #status = :deleting",
                            ConditionExpression = "attribute_exists(pk)",
                            ExpressionAttributeNames = new() { ["#status"] = "status" },
                            ExpressionAttributeValues = new() { [":deleting"] = Attr.S(UploadStatus.Deleting) },
                        },
                    },
                    await accessLog.PrepareAsync(new AccessEvent("upload.delete", AccessOutcome.Allowed, SessionId: sessionId, UploadId: uploadId), cancellationToken),
                ],
                cancellationToken);
        }

        return upload;
    }

    public async Task RemoveAsync(string ownerId, Upload upload, CancellationToken cancellationToken)
    {
        var (sessionId, uploadId) = (upload.SessionId, upload.UploadId);
        List<TransactWriteItem> items =
        [
            new()
            {
                Delete = new Delete
                {
                    TableName = Table,
                    Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Upload(sessionId, uploadId)),
                    ConditionExpression = "attribute_exists(pk)",
                },
            },
            new()
            {
                Update = new Update
                {
                    TableName = Table,
                    Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Session(sessionId)),
                    UpdateExpression = "ADD uploadCount :minusOne",
                    ConditionExpression = "attribute_exists(pk)",
                    ExpressionAttributeValues = new() { [":minusOne"] = Attr.N(-1) },
                },
            },
        ];
        var due = SweepDueAt(upload.CreatedAt);
        if (due > clock.GetUtcNow())
        {
            items.Add(new() { Put = new Put { TableName = Table, Item = Tombstone(ownerId, sessionId, uploadId, due) } });
        }

        await Dynamo.CommitAsync(items, cancellationToken);
    }

    public async Task RemoveAllAsync(string ownerId, string sessionId, CancellationToken cancellationToken)
    {
        Dictionary<string, AttributeValue>? start;
        do
        {
            var page = await Dynamo.QueryAsync(
                new QueryRequest
                {
                    TableName = Table,
                    KeyConditionExpression = "pk = :pk AND begins_with(sk, :prefix)",
                    ExpressionAttributeValues = new()
                    {
                        [":pk"] = Attr.S(DataKeys.Owner(ownerId)),
                        [":prefix"] = Attr.S(DataKeys.UploadsOf(sessionId)),
                    },
                    ProjectionExpression = "pk, sk, uploadId, createdAt",
                    ConsistentRead = true,
                    // A delete and perhaps a tombstone each: 24 writes, within BatchWriteItem's 25.
                    Limit = 12,
                },
                cancellationToken);
            if (page.Items.Count > 0)
            {
                var now = clock.GetUtcNow();
                var writes = new List<WriteRequest>();
                foreach (var item in page.Items)
                {
                    writes.Add(new WriteRequest(new DeleteRequest(Attr.Key(item.RequireS(Attr.Pk), item.RequireS(Attr.Sk)))));
                    var due = SweepDueAt(DateTimeOffset.Parse(item.RequireS("createdAt"), System.Globalization.CultureInfo.InvariantCulture));
                    if (due > now)
                    {
                        writes.Add(new WriteRequest(new PutRequest(Tombstone(ownerId, sessionId, item.RequireS("uploadId"), due))));
                    }
                }

                var batch = new BatchWriteItemRequest { RequestItems = new() { [Table] = writes } };
                var response = await Dynamo.BatchWriteItemAsync(batch, cancellationToken);
                if (response.UnprocessedItems is { Count: > 0 })
                {
                    throw new Storage.DependencyUnavailableException("Some upload items could not be deleted; retry the delete.");
                }
            }

            // Always restart from the beginning: what was deleted is gone, and new pages fill in behind it.
            start = page.LastEvaluatedKey is { Count: > 0 } ? page.LastEvaluatedKey : null;
        }
        while (start is not null);
    }

    private async Task<Upload?> ReadAsync(string ownerId, string sessionId, string uploadId, CancellationToken cancellationToken, bool includeDeleting = false)
    {
        var response = await Dynamo.GetItemAsync(
            new GetItemRequest { TableName = Table, Key = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Upload(sessionId, uploadId)), ConsistentRead = true },
            cancellationToken);
        if (response.Item is not { Count: > 0 } item || !item.IsLive(clock.GetUtcNow()))
        {
            return null;
        }

        var upload = FromItem(item);
        return upload.Status == UploadStatus.Deleting && !includeDeleting ? null : upload;
    }

    private Dictionary<string, AttributeValue> ToItem(string ownerId, Upload u)
    {
        var item = Attr.Key(DataKeys.Owner(ownerId), DataKeys.Upload(u.SessionId, u.UploadId));
        item["uploadId"] = Attr.S(u.UploadId);
        item["sessionId"] = Attr.S(u.SessionId);
        item["fileName"] = Attr.S(u.FileName);
        item["contentType"] = Attr.S(u.ContentType);
        item["declaredSize"] = Attr.N(u.DeclaredSize);
        item["status"] = Attr.S(u.Status);
        item["createdAt"] = Attr.S(Attr.Iso(u.CreatedAt));
        item["updatedAt"] = Attr.S(Attr.Iso(u.UpdatedAt));
        item[Attr.Ttl] = Attr.N(u.ExpiresAt.ToUnixTimeSeconds());
        item[TableSchemas.SweepShard] = Attr.S(SweepSchedule.Shard(u.UploadId));
        var due = SweepDueAt(u.CreatedAt);
        if (u.Multipart is { } plan)
        {
            item["partSize"] = Attr.N(plan.PartSize);
            item["partCount"] = Attr.N(plan.PartCount);
            item["s3UploadId"] = Attr.S(plan.S3UploadId);
            due = SweepSchedule.DueAt(u.CreatedAt, limits.Value.MultipartWindowHours * 60);
        }

        item[TableSchemas.SweepAt] = Attr.S(Attr.Iso(due));
        return item;
    }

    public static Upload FromItem(Dictionary<string, AttributeValue> item) => new(
        item.RequireS("uploadId"),
        item.RequireS("sessionId"),
        item.RequireS("fileName"),
        item.RequireS("contentType"),
        item.GetN("declaredSize"),
        item.TryGetValue("size", out var size) && size.N is not null ? item.GetN("size") : null,
        item.RequireS("status"),
        item.GetS("reason"),
        DateTimeOffset.Parse(item.RequireS("createdAt"), System.Globalization.CultureInfo.InvariantCulture),
        DateTimeOffset.Parse(item.RequireS("updatedAt"), System.Globalization.CultureInfo.InvariantCulture),
        DateTimeOffset.FromUnixTimeSeconds(item.GetN(Attr.Ttl)),
        item.GetS("versionId"),
        item.GetS("s3UploadId") is { } s3UploadId ? new MultipartPlan(item.GetN("partSize"), (int)item.GetN("partCount"), s3UploadId) : null);

    public async Task<IReadOnlyList<Upload>> ListOpenMultipartAsync(string ownerId, string sessionId, CancellationToken cancellationToken)
    {
        var open = new List<Upload>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Dynamo.QueryAsync(
                new QueryRequest
                {
                    TableName = Table,
                    KeyConditionExpression = "pk = :pk AND begins_with(sk, :prefix)",
                    FilterExpression = "attribute_exists(s3UploadId) AND #status IN (:pending, :deleting)",
                    ExpressionAttributeNames = new() { ["#status"] = "status" },
                    ExpressionAttributeValues = new()
                    {
                        [":pk"] = Attr.S(DataKeys.Owner(ownerId)),
                        [":prefix"] = Attr.S(DataKeys.UploadsOf(sessionId)),
                        [":pending"] = Attr.S(UploadStatus.Pending),
                        [":deleting"] = Attr.S(UploadStatus.Deleting),
                    },
                    ConsistentRead = true,
                    ExclusiveStartKey = start,
                },
                cancellationToken);
            open.AddRange(page.Items.Select(FromItem));
            start = page.LastEvaluatedKey is { Count: > 0 } ? page.LastEvaluatedKey : null;
        }
        while (start is not null);

        return open;
    }
}
