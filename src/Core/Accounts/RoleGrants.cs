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

    public sealed record UnknownUser : RoleChangeResult;

    /// <summary>A role is granted only to an account whose email was verified, so nobody receives one by registering an address first.</summary>
    public sealed record Unverified : RoleChangeResult;
}

/// <summary>What the operator sees before a role changes.</summary>
public sealed record AccountSummary(string UserId, string Email, string CreatedAt, string? VerifiedAt, IReadOnlyList<string> Roles)
{
    public override string ToString() =>
        $"user {UserId}: email {Email}, created {CreatedAt}, {(VerifiedAt is null ? "email NOT verified" : "email verified " + VerifiedAt)}, " +
        $"roles [{string.Join(", ", Roles)}]";
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

    public async Task<AccountSummary?> DescribeAsync(string userId, CancellationToken cancellationToken)
    {
        if (!EntityId.TryParse(userId, out _))
        {
            throw new ArgumentException("Not a user id.", nameof(userId));
        }

        var response = await dynamo.GetItemAsync(
            new GetItemRequest { TableName = identityTable, Key = Attr.Key(IdentityKeys.AccountPk(userId), IdentityKeys.AccountSort), ConsistentRead = true },
            cancellationToken);
        return response.Item is { Count: > 0 } item
            ? new AccountSummary(
                userId,
                item.RequireS("email"),
                item.GetS("createdAt") ?? "unknown",
                item.GetS("verifiedAt"),
                item.TryGetValue(RolesAttribute, out var roles) && roles.SS is { Count: > 0 } set ? [.. set.Order(StringComparer.Ordinal)] : [])
            : null;
    }

    /// <summary>Grants or revokes by user id; a grant needs a verified email, checked in the same write.</summary>
    public async Task<RoleChangeResult> ChangeAsync(
        RoleChange change, string userId, string role, string operatorName, CancellationToken cancellationToken)
    {
        if (!Roles.Contains(role))
        {
            throw new ArgumentException($"Role must be one of: {string.Join(", ", Roles.Order(StringComparer.Ordinal))}.", nameof(role));
        }

        if (await DescribeAsync(userId, cancellationToken) is not { } account)
        {
            return new RoleChangeResult.UnknownUser();
        }

        if (change == RoleChange.Grant && account.VerifiedAt is null)
        {
            return new RoleChangeResult.Unverified();
        }

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
        var committed = await dynamo.TryCommitAsync(
                [
                    new()
                    {
                        Update = new Update
                        {
                            TableName = identityTable,
                            Key = Attr.Key(IdentityKeys.AccountPk(userId), IdentityKeys.AccountSort),
                            UpdateExpression = (change == RoleChange.Grant ? "ADD" : "DELETE") + " #roles :role",
                            ConditionExpression = change == RoleChange.Grant ? "attribute_exists(verifiedAt)" : "attribute_exists(pk)",
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
            cancellationToken);
        return !committed ? new RoleChangeResult.Unverified() : new RoleChangeResult.Done(userId, record.RecordId);
    }
}
