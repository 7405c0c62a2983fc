using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Configuration;
using Enclave.Core.Ids;
using Enclave.Core.Requests;
using Enclave.Core.Secrets;
using Enclave.Core.Storage;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Enclave.Core.Audit;

/// <summary>
/// Access records in their own table: partition by actor, with one index by session and one by day,
/// so each auditor question is a single Query.
/// </summary>
public sealed partial class DynamoAccessLog(
    IAmazonDynamoDB dynamo,
    IOptions<StorageOptions> storage,
    SigningKeys keys,
    RequestContext request,
    InstanceIdentity instance,
    TimeProvider clock,
    ILogger<DynamoAccessLog> logger) : IAccessLog
{
    public async Task<TransactWriteItem> PrepareAsync(AccessEvent accessEvent, CancellationToken cancellationToken)
    {
        LogAccess(logger, accessEvent.Action, accessEvent.Outcome);
        return new()
        {
            Put = new Put
            {
                TableName = storage.Value.AuditTable,
                Item = await BuildItemAsync(accessEvent, cancellationToken),
                ConditionExpression = "attribute_not_exists(pk)",
            },
        };
    }

    public async Task WriteAsync(AccessEvent accessEvent, CancellationToken cancellationToken)
    {
        var item = await BuildItemAsync(accessEvent, cancellationToken);
        await dynamo.PutItemAsync(
            new PutItemRequest
            {
                TableName = storage.Value.AuditTable,
                Item = item,
                ConditionExpression = "attribute_not_exists(pk)",
            },
            cancellationToken);
        LogAccess(logger, accessEvent.Action, accessEvent.Outcome);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Access {Action} {Outcome}")]
    private static partial void LogAccess(ILogger logger, string action, AccessOutcome outcome);

    private async Task<Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>> BuildItemAsync(
        AccessEvent e, CancellationToken cancellationToken)
    {
        var record = new AccessRecord(
            EntityId.New().Value,
            clock.GetUtcNow(),
            request.RequestId,
            request.UserId,
            e.Action,
            e.Outcome,
            e.Reason,
            e.SessionId,
            e.UploadId,
            e.SubjectUserId,
            request.ClientIp,
            instance.Id);
        var key = await keys.AuditKeyAsync(cancellationToken);
        return AccessRecordItem.ToItem(record, key, AccessRecordLayout.From(storage.Value));
    }
}
