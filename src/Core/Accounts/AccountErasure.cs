using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Audit;
using Enclave.Core.Configuration;
using Enclave.Core.Storage;
using Enclave.Core.Uploads;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Accounts;

public abstract record EraseResult
{
    public sealed record Erased : EraseResult;

    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : EraseResult;
}

/// <summary>
/// "Delete my account". Files first (through the same path as deleting a session), then every sign-in but this
/// one, and last, in one transaction with the final <c>account.delete</c> record, the email, the account and this
/// sign-in (and the processor's sealed credentials for the user). Every step can be repeated, so when a dependency fails midway the request answers 503 and the same
/// request again, with the same cookie, finishes the job. Access records stay: they are the audit trail.
/// </summary>
public sealed class AccountErasure(
    IAmazonDynamoDB dynamo,
    IOptions<StorageOptions> storage,
    PasswordChanges passwords,
    UploadService uploads,
    IAccessLog accessLog)
{
    private const string Action = "account.delete";

    private string Table => storage.Value.IdentityTable;

    public async Task<EraseResult> EraseAsync(SignedInUser user, string? password, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(password) || await passwords.CheckCurrentAsync(user, password, Action, cancellationToken) is null)
        {
            return new EraseResult.Invalid(new Dictionary<string, string[]>(StringComparer.Ordinal)
            {
                ["password"] = [string.IsNullOrEmpty(password) ? "Enter your password." : "The password is not correct."],
            });
        }

        await uploads.EraseOwnerAsync(user.UserId, cancellationToken);
        await DeleteOtherSignInsAsync(user, cancellationToken);
        await dynamo.CommitAsync(
            [
                new()
                {
                    Delete = new Delete
                    {
                        TableName = Table,
                        Key = Attr.Key(IdentityKeys.EmailPk(user.Email), IdentityKeys.EmailSort),
                        ConditionExpression = "attribute_not_exists(pk) OR userId = :user",
                        ExpressionAttributeValues = new() { [":user"] = Attr.S(user.UserId) },
                    },
                },
                new() { Delete = new Delete { TableName = Table, Key = Attr.Key(IdentityKeys.AccountPk(user.UserId), IdentityKeys.AccountSort) } },
                new() { Delete = new Delete { TableName = Table, Key = Attr.Key(IdentityKeys.AccountPk(user.UserId), IdentityKeys.SignInSort(user.SignInHash)) } },
                new() { Delete = new Delete { TableName = Table, Key = Attr.Key(IdentityKeys.ProcessorPk(user.UserId), IdentityKeys.CredentialsSort) } },
                await accessLog.PrepareAsync(new AccessEvent(Action, AccessOutcome.Allowed, SubjectUserId: user.UserId), cancellationToken),
            ],
            cancellationToken);
        return new EraseResult.Erased();
    }

    private async Task DeleteOtherSignInsAsync(SignedInUser user, CancellationToken cancellationToken)
    {
        var request = new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "pk = :pk AND begins_with(sk, :prefix)",
            ProjectionExpression = "pk, sk",
            ExpressionAttributeValues = new()
            {
                [":pk"] = Attr.S(IdentityKeys.AccountPk(user.UserId)),
                [":prefix"] = Attr.S(IdentityKeys.SignInSortPrefix),
            },
            ConsistentRead = true,
        };
        var mine = IdentityKeys.SignInSort(user.SignInHash);
        do
        {
            var response = await dynamo.QueryAsync(request, cancellationToken);
            foreach (var item in response.Items.Where(i => i.RequireS(Attr.Sk) != mine))
            {
                await dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = Table, Key = Attr.Key(item.RequireS(Attr.Pk), item.RequireS(Attr.Sk)) }, cancellationToken);
            }

            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);
    }
}
