using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Audit;
using Enclave.Core.Configuration;
using Enclave.Core.Ids;
using Enclave.Core.Mail;
using Enclave.Core.Requests;
using Enclave.Core.Storage;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Accounts;

public abstract record VerifyResult
{
    public sealed record Verified : VerifyResult;

    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : VerifyResult;
}

/// <summary>
/// Registration without enumeration. Every accepted request does the same work whatever the address: one
/// consistent read of the email item, one password hash, one write, one mail. A new address gets a
/// verification link; an address whose account was never verified gets a fresh link and the new password
/// (so whoever registered an address first cannot keep it without its mailbox); a verified one gets a
/// "you already have an account" mail. The mail is sent within the request on every path, so its cost is in
/// every answer alike; nothing outlives the request in memory.
/// </summary>
public sealed class Registration(
    IAmazonDynamoDB dynamo,
    IOptions<StorageOptions> storage,
    IOptions<LimitsOptions> limits,
    PasswordPolicy policy,
    PasswordHashing hashing,
    LoginThrottle throttle,
    IAccessLog accessLog,
    IMailSender mail,
    AccountMail messages,
    RequestContext request,
    TimeProvider clock)
{
    private string Table => storage.Value.IdentityTable;

    public async Task<RegisterResult> RegisterAsync(string? emailText, string? password, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!EmailAddress.TryNormalize(emailText, out var email))
        {
            errors["email"] = ["Enter a valid email address."];
        }

        if (password is null)
        {
            errors["password"] = ["Enter a password."];
        }
        else if (policy.Check(password, email ?? "") is { } problem)
        {
            errors["password"] = [problem];
        }

        if (errors.Count > 0 || email is null || password is null)
        {
            return new RegisterResult.Invalid(errors);
        }

        var verdict = await throttle.CheckRegisterAsync(request.ClientIp, cancellationToken);
        if (!verdict.Allowed)
        {
            await accessLog.WriteAsync(new AccessEvent("auth.register", AccessOutcome.Denied, "throttled"), cancellationToken);
            return new RegisterResult.Throttled(verdict.RetryAfter);
        }

        var existing = await dynamo.GetItemAsync(
            new GetItemRequest { TableName = Table, Key = Attr.Key(IdentityKeys.EmailPk(email), IdentityKeys.EmailSort), ConsistentRead = true },
            cancellationToken);
        var passwordHash = hashing.Hash(password);
        var token = OneTimeToken.Create();
        var validFor = TimeSpan.FromMinutes(limits.Value.VerificationLinkMinutes);
        var found = existing.Item is { Count: > 0 } item ? item : null;
        if (found is not null && found.ContainsKey("verifiedAt"))
        {
            await accessLog.WriteAsync(
                new AccessEvent("auth.register", AccessOutcome.Denied, "email-taken", SubjectUserId: found.GetS("userId")), cancellationToken);
            await mail.SendAsync(messages.AlreadyRegistered(email), cancellationToken);
            return new RegisterResult.Accepted();
        }

        var committed = found is null
            ? await CreateAsync(email, passwordHash, token, validFor, cancellationToken)
            : await RenewAsync(found, email, passwordHash, token, validFor, cancellationToken);
        await mail.SendAsync(committed ? messages.Verification(email, token, validFor) : messages.AlreadyRegistered(email), cancellationToken);
        return new RegisterResult.Accepted();
    }

    /// <summary>A mailed token marks the address verified once; a used, expired, superseded or tampered token is refused.</summary>
    public async Task<VerifyResult> VerifyAsync(string? token, CancellationToken cancellationToken)
    {
        var invalid = new VerifyResult.Invalid(new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["token"] = ["This link is not valid any more. Register again to get a new one."],
        });
        if (!OneTimeToken.TryHash(token, out var tokenHash))
        {
            await accessLog.WriteAsync(new AccessEvent("auth.verify-email", AccessOutcome.Denied, "malformed-token"), cancellationToken);
            return invalid;
        }

        var tokenKey = Attr.Key(IdentityKeys.TokenPk(OneTimeToken.Purpose.Verify, tokenHash), IdentityKeys.TokenSort);
        var stored = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = tokenKey, ConsistentRead = true }, cancellationToken);
        var now = clock.GetUtcNow();
        if (stored.Item is not { Count: > 0 } item || !item.IsLive(now))
        {
            await accessLog.WriteAsync(new AccessEvent("auth.verify-email", AccessOutcome.Denied, "unknown-or-expired-token"), cancellationToken);
            return invalid;
        }

        var userId = item.RequireS("userId");
        var committed = await dynamo.TryCommitAllAsync(
            [
                new() { Delete = new Delete { TableName = Table, Key = tokenKey, ConditionExpression = "attribute_exists(pk)" } },
                new()
                {
                    Update = new Update
                    {
                        TableName = Table,
                        Key = Attr.Key(IdentityKeys.EmailPk(item.RequireS("email")), IdentityKeys.EmailSort),
                        UpdateExpression = "SET verifiedAt = :now REMOVE pendingToken",
                        ConditionExpression = "pendingToken = :token AND userId = :user",
                        ExpressionAttributeValues = new() { [":now"] = Attr.S(Attr.Iso(now)), [":token"] = Attr.S(tokenHash), [":user"] = Attr.S(userId) },
                    },
                },
                new()
                {
                    Update = new Update
                    {
                        TableName = Table,
                        Key = Attr.Key(IdentityKeys.AccountPk(userId), IdentityKeys.AccountSort),
                        UpdateExpression = "SET verifiedAt = :now",
                        ConditionExpression = "attribute_exists(pk)",
                        ExpressionAttributeValues = new() { [":now"] = Attr.S(Attr.Iso(now)) },
                    },
                },
                await accessLog.PrepareAsync(new AccessEvent("auth.verify-email", AccessOutcome.Allowed, SubjectUserId: userId), cancellationToken),
            ],
            cancellationToken);
        if (!committed)
        {
            await accessLog.WriteAsync(new AccessEvent("auth.verify-email", AccessOutcome.Denied, "superseded-token", SubjectUserId: userId), cancellationToken);
            return invalid;
        }

        return new VerifyResult.Verified();
    }

    private async Task<bool> CreateAsync(string email, string passwordHash, string token, TimeSpan validFor, CancellationToken cancellationToken)
    {
        var userId = EntityId.New().Value;
        var now = clock.GetUtcNow();
        var tokenHash = OneTimeToken.Hash(token);
        var emailItem = Attr.Key(IdentityKeys.EmailPk(email), IdentityKeys.EmailSort);
        emailItem["userId"] = Attr.S(userId);
        emailItem["passwordHash"] = Attr.S(passwordHash);
        emailItem["pendingToken"] = Attr.S(tokenHash);
        var accountItem = Attr.Key(IdentityKeys.AccountPk(userId), IdentityKeys.AccountSort);
        accountItem["email"] = Attr.S(email);
        accountItem["generation"] = Attr.N(0);
        accountItem["createdAt"] = Attr.S(Attr.Iso(now));
        return await dynamo.TryCommitAsync(
            [
                new() { Put = new Put { TableName = Table, Item = emailItem, ConditionExpression = "attribute_not_exists(pk)" } },
                new() { Put = new Put { TableName = Table, Item = accountItem, ConditionExpression = "attribute_not_exists(pk)" } },
                new() { Put = new Put { TableName = Table, Item = TokenItem(tokenHash, userId, email, now + validFor) } },
                await accessLog.PrepareAsync(new AccessEvent("auth.register", AccessOutcome.Allowed, SubjectUserId: userId), cancellationToken),
            ],
            cancellationToken);
    }

    /// <summary>The address was registered but never verified: the newest registration's password and link replace the old ones.</summary>
    private async Task<bool> RenewAsync(
        Dictionary<string, AttributeValue> found, string email, string passwordHash, string token, TimeSpan validFor, CancellationToken cancellationToken)
    {
        var userId = found.RequireS("userId");
        var tokenHash = OneTimeToken.Hash(token);
        return await dynamo.TryCommitAsync(
            [
                new()
                {
                    Update = new Update
                    {
                        TableName = Table,
                        Key = Attr.Key(IdentityKeys.EmailPk(email), IdentityKeys.EmailSort),
                        UpdateExpression = "SET passwordHash = :hash, pendingToken = :token",
                        ConditionExpression = "attribute_not_exists(verifiedAt) AND userId = :user",
                        ExpressionAttributeValues = new() { [":hash"] = Attr.S(passwordHash), [":token"] = Attr.S(tokenHash), [":user"] = Attr.S(userId) },
                    },
                },
                new() { Put = new Put { TableName = Table, Item = TokenItem(tokenHash, userId, email, clock.GetUtcNow() + validFor) } },
                await accessLog.PrepareAsync(new AccessEvent("auth.register", AccessOutcome.Allowed, "renewed-unverified", SubjectUserId: userId), cancellationToken),
            ],
            cancellationToken);
    }

    private static Dictionary<string, AttributeValue> TokenItem(string tokenHash, string userId, string email, DateTimeOffset expiresAt)
    {
        var item = Attr.Key(IdentityKeys.TokenPk(OneTimeToken.Purpose.Verify, tokenHash), IdentityKeys.TokenSort);
        item["userId"] = Attr.S(userId);
        item["email"] = Attr.S(email);
        item[Attr.Ttl] = Attr.N(expiresAt.ToUnixTimeSeconds());
        return item;
    }
}
