using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Audit;
using Enclave.Core.Ids;
using Enclave.Core.Requests;
using Enclave.Core.Secrets;
using Enclave.Core.Storage;

namespace Enclave.Core.Accounts;

public enum RoleChange
{
    Grant,
    Revoke,
}

public abstract record RoleChangeResult
{
    public sealed record Done(string UserId, string RecordId) : RoleChangeResult;

    public sealed record UnknownEmail : RoleChangeResult;
}

/// <summary>
/// The only way a role is granted or revoked: an operator runs this with their own AWS credentials (no
/// HTTP route can do it), and the roles update and its signed access record commit in one transaction.
/// </summary>
public sealed class RoleGrants(
    IAmazonDynamoDB dynamo, string identityTable, string auditTable, SigningKey auditKey, TimeProvider clock, AccessRecordLayout layout)
{
    /// <summary>The account attribute holding the roles; only the operator tool may write it (the API role is denied it in IAM).</summary>
    public const string RolesAttribute = "roles";

    public static readonly System.Collections.Frozen.FrozenSet<string> Roles =
        System.Collections.Frozen.FrozenSet.ToFrozenSet(["admin", "auditor"], StringComparer.Ordinal);

    public async Task<RoleChangeResult> ChangeAsync(
        RoleChange change, string emailText, string role, string operatorName, CancellationToken cancellationToken)
    {
        if (!Roles.Contains(role))
        {
            throw new ArgumentException($"Role must be one of: {string.Join(", ", Roles.Order(StringComparer.Ordinal))}.", nameof(role));
        }

        if (!EmailAddress.TryNormalize(emailText, out var email))
        {
            throw new ArgumentException("Not a valid email address.", nameof(emailText));
        }

        var emailItem = await dynamo.GetItemAsync(
            new GetItemRequest { TableName = identityTable, Key = Attr.Key("EMAIL#" + email, "EMAIL"), ConsistentRead = true },
            cancellationToken);
        if (emailItem.Item is not { Count: > 0 } found)
        {
            return new RoleChangeResult.UnknownEmail();
        }

        var userId = found.RequireS("userId");
        var action = change == RoleChange.Grant ? "role.grant" : "role.revoke";
        var record = new AccessRecord(
            EntityId.New().Value,
            Attr.Millis(clock.GetUtcNow()),
            EntityId.New().Value,
            "operator:" + operatorName,
            action,
            AccessOutcome.Allowed,
            "role=" + role,
            SessionId: null,
            UploadId: null,
            SubjectUserId: userId,
            ClientIp: "operator-cli",
            InstanceId: new InstanceIdentity().Id);
        await dynamo.TransactWriteItemsAsync(
            new TransactWriteItemsRequest
            {
                TransactItems =
                [
                    new()
                    {
                        Update = new Update
                        {
                            TableName = identityTable,
                            Key = Attr.Key("ACCOUNT#" + userId, "ACCOUNT"),
                            UpdateExpression = (change == RoleChange.Grant ? "ADD" : "DELETE") + " #roles :role",
                            ConditionExpression = "attribute_exists(pk)",
                            ExpressionAttributeNames = new() { ["#roles"] = RolesAttribute },
                            ExpressionAttributeValues = new() { [":role"] = new AttributeValue { SS = [role] } },
                        },
                    },
                    new()
                    {
                        Put = new Put
                        {
                            TableName = auditTable,
                            Item = AccessRecordItem.ToItem(record, auditKey, layout),
                            ConditionExpression = "attribute_not_exists(pk)",
                        },
                    },
                ],
            },
            cancellationToken);
        return new RoleChangeResult.Done(userId, record.RecordId);
    }
}
