using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Audit;
using Enclave.Core.Configuration;
using Enclave.Core.Mail;
using Enclave.Core.Requests;
using Enclave.Core.Storage;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Accounts;

public abstract record PasswordChangeResult
{
    public sealed record Done : PasswordChangeResult;

    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : PasswordChangeResult;

    public sealed record Throttled(TimeSpan RetryAfter) : PasswordChangeResult;
}

/// <summary>
/// Forgotten and changed passwords. A reset link (one-time, hashed at rest, at most 30 minutes) is bound to the
/// password hash it was issued against, so any later change of the password voids every older link; using it
/// sets the password and signs the user out everywhere. A change needs the current password and signs out
/// every other sign-in.
/// </summary>
public sealed class PasswordChanges(
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
    private const string RequestAction = "auth.password-reset.request";
    private const string ResetAction = "auth.password-reset";
    private const string ChangeAction = "auth.password.change";

    private string Table => storage.Value.IdentityTable;

    /// <summary>
    /// Always the same answer. Every accepted request sends one mail, so the answer takes as long for an unknown
    /// address as for a known one: a reset link to a verified account, a "no account here" note otherwise.
    /// </summary>
    public async Task<PasswordChangeResult> RequestResetAsync(string? emailText, CancellationToken cancellationToken)
    {
        if (!EmailAddress.TryNormalize(emailText, out var email))
        {
            return Invalid("email", "Enter a valid email address.");
        }

        var (address, accountAllowed) = await throttle.CheckResetAsync(email, request.ClientIp, cancellationToken);
        if (!address.Allowed)
        {
            await accessLog.WriteAsync(new AccessEvent(RequestAction, AccessOutcome.Denied, "throttled"), cancellationToken);
            return new PasswordChangeResult.Throttled(address.RetryAfter);
        }

        var found = await EmailItemAsync(email, cancellationToken);
        var userId = found?.GetS("userId");
        if (!accountAllowed)
        {
            // Enough mail went to this address in this window; the answer stays 202 so nothing is learned.
            await accessLog.WriteAsync(new AccessEvent(RequestAction, AccessOutcome.Denied, "mail-limit", SubjectUserId: userId), cancellationToken);
            return new PasswordChangeResult.Done();
        }

        if (found is null || userId is null || !found.ContainsKey("verifiedAt"))
        {
            await accessLog.WriteAsync(new AccessEvent(RequestAction, AccessOutcome.NotFound, "no-verified-account", SubjectUserId: userId), cancellationToken);
            await mail.SendAsync(messages.NoAccount(email), cancellationToken);
            return new PasswordChangeResult.Done();
        }

        var token = OneTimeToken.Create();
        var validFor = TimeSpan.FromMinutes(limits.Value.ResetLinkMinutes);
        var item = Attr.Key(IdentityKeys.TokenPk(OneTimeToken.Purpose.Reset, OneTimeToken.Hash(token)), IdentityKeys.TokenSort);
        item["userId"] = Attr.S(userId);
        item["email"] = Attr.S(email);
        item["issuedForHash"] = Attr.S(found.RequireS("passwordHash"));
        item[Attr.Ttl] = Attr.N((clock.GetUtcNow() + validFor).ToUnixTimeSeconds());
        await dynamo.CommitAsync(
            [
                new() { Put = new Put { TableName = Table, Item = item } },
                await accessLog.PrepareAsync(new AccessEvent(RequestAction, AccessOutcome.Allowed, SubjectUserId: userId), cancellationToken),
            ],
            cancellationToken);
        await mail.SendAsync(messages.PasswordReset(email, token, validFor), cancellationToken);
        return new PasswordChangeResult.Done();
    }

    public async Task<PasswordChangeResult> ResetAsync(string? token, string? password, CancellationToken cancellationToken)
    {
        if (!OneTimeToken.TryHash(token, out var tokenHash))
        {
            await accessLog.WriteAsync(new AccessEvent(ResetAction, AccessOutcome.Denied, "malformed-token"), cancellationToken);
            return InvalidLink();
        }

        var tokenKey = Attr.Key(IdentityKeys.TokenPk(OneTimeToken.Purpose.Reset, tokenHash), IdentityKeys.TokenSort);
        var stored = await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = tokenKey, ConsistentRead = true }, cancellationToken);
        if (stored.Item is not { Count: > 0 } item || !item.IsLive(clock.GetUtcNow()))
        {
            await accessLog.WriteAsync(new AccessEvent(ResetAction, AccessOutcome.Denied, "unknown-or-expired-token"), cancellationToken);
            return InvalidLink();
        }

        var email = item.RequireS("email");
        var userId = item.RequireS("userId");
        var problem = password is null ? "Enter a password." : policy.Check(password, email);
        if (problem is not null || password is null)
        {
            return Invalid("password", problem ?? "Enter a password.");
        }

        var committed = await dynamo.TryCommitAllAsync(
            [
                new() { Delete = new Delete { TableName = Table, Key = tokenKey, ConditionExpression = "attribute_exists(pk)" } },
                SetPassword(email, userId, item.RequireS("issuedForHash"), hashing.Hash(password)),
                NextGeneration(userId),
                await accessLog.PrepareAsync(new AccessEvent(ResetAction, AccessOutcome.Allowed, SubjectUserId: userId), cancellationToken),
            ],
            cancellationToken);
        if (!committed)
        {
            await accessLog.WriteAsync(new AccessEvent(ResetAction, AccessOutcome.Denied, "superseded-token", SubjectUserId: userId), cancellationToken);
            return InvalidLink();
        }

        return new PasswordChangeResult.Done();
    }

    /// <summary>Wrong current passwords count against the account and address like failed sign-ins.</summary>
    public async Task<PasswordChangeResult> ChangeAsync(SignedInUser user, string? currentPassword, string? newPassword, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(currentPassword))
        {
            return Invalid("currentPassword", "Enter your current password.");
        }

        var problem = newPassword is null ? "Enter a new password." : policy.Check(newPassword, user.Email);
        if (problem is not null || newPassword is null)
        {
            return Invalid("newPassword", problem ?? "Enter a new password.");
        }

        var check = await CheckCurrentAsync(user, currentPassword, ChangeAction, cancellationToken);
        if (check is not { } oldHash)
        {
            return Invalid("currentPassword", "The current password is not correct.");
        }

        var account = await dynamo.GetItemAsync(
            new GetItemRequest { TableName = Table, Key = Attr.Key(IdentityKeys.AccountPk(user.UserId), IdentityKeys.AccountSort), ConsistentRead = true },
            cancellationToken);
        var generation = account.Item.GetN("generation");
        var committed = await dynamo.TryCommitAllAsync(
            [
                SetPassword(user.Email, user.UserId, oldHash, hashing.Hash(newPassword)),
                new()
                {
                    Update = new Update
                    {
                        TableName = Table,
                        Key = Attr.Key(IdentityKeys.AccountPk(user.UserId), IdentityKeys.AccountSort),
                        UpdateExpression = "SET generation = :next",
                        ConditionExpression = "generation = :current",
                        ExpressionAttributeValues = new() { [":next"] = Attr.N(generation + 1), [":current"] = Attr.N(generation) },
                    },
                },
                new()
                {
                    // This sign-in moves to the new generation; every other one is left behind and stops working.
                    Update = new Update
                    {
                        TableName = Table,
                        Key = Attr.Key(IdentityKeys.AccountPk(user.UserId), IdentityKeys.SignInSort(user.SignInHash)),
                        UpdateExpression = "SET generation = :next",
                        ConditionExpression = "attribute_exists(pk)",
                        ExpressionAttributeValues = new() { [":next"] = Attr.N(generation + 1) },
                    },
                },
                await accessLog.PrepareAsync(new AccessEvent(ChangeAction, AccessOutcome.Allowed, SubjectUserId: user.UserId), cancellationToken),
            ],
            cancellationToken);
        if (!committed)
        {
            throw new DependencyUnavailableException("The account changed during the password change; try again.");
        }

        return new PasswordChangeResult.Done();
    }

    /// <summary>
    /// The stored hash when the password is right, else null (with its denied record). Throttled like sign-in:
    /// a wrong guess waits out the account's delay and counts as a failure.
    /// </summary>
    internal async Task<string?> CheckCurrentAsync(SignedInUser user, string password, string action, CancellationToken cancellationToken)
    {
        var gate = await throttle.CheckLoginAsync(user.Email, request.ClientIp, cancellationToken);
        if (gate.AccountDelay > TimeSpan.Zero)
        {
            await Task.Delay(gate.AccountDelay, clock, cancellationToken);
        }

        var found = await EmailItemAsync(user.Email, cancellationToken);
        var hash = found?.GetS("passwordHash");
        if (!gate.Address.Allowed || found?.GetS("userId") != user.UserId ||
            hashing.Check(hash, password.Length <= PasswordPolicy.MaxLength ? password : "") == PasswordCheck.Failed)
        {
            await accessLog.WriteAsync(new AccessEvent(action, AccessOutcome.Denied, "invalid-credentials", SubjectUserId: user.UserId), cancellationToken);
            return null;
        }

        await throttle.RecordSuccessAsync(user.Email, request.ClientIp, cancellationToken);
        return hash;
    }

    private async Task<Dictionary<string, AttributeValue>?> EmailItemAsync(string email, CancellationToken cancellationToken)
    {
        var response = await dynamo.GetItemAsync(
            new GetItemRequest { TableName = Table, Key = Attr.Key(IdentityKeys.EmailPk(email), IdentityKeys.EmailSort), ConsistentRead = true },
            cancellationToken);
        return response.Item is { Count: > 0 } item ? item : null;
    }

    private TransactWriteItem SetPassword(string email, string userId, string oldHash, string newHash) => new()
    {
        Update = new Update
        {
            TableName = Table,
            Key = Attr.Key(IdentityKeys.EmailPk(email), IdentityKeys.EmailSort),
            UpdateExpression = "SET passwordHash = :new",
            ConditionExpression = "passwordHash = :old AND userId = :user AND attribute_exists(verifiedAt)",
            ExpressionAttributeValues = new() { [":new"] = Attr.S(newHash), [":old"] = Attr.S(oldHash), [":user"] = Attr.S(userId) },
        },
    };

    private TransactWriteItem NextGeneration(string userId) => new()
    {
        Update = new Update
        {
            TableName = Table,
            Key = Attr.Key(IdentityKeys.AccountPk(userId), IdentityKeys.AccountSort),
            UpdateExpression = "ADD generation :one",
            ConditionExpression = "attribute_exists(pk)",
            ExpressionAttributeValues = new() { [":one"] = Attr.N(1) },
        },
    };

    private static PasswordChangeResult.Invalid Invalid(string field, string message) =>
        new(new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });

    private static PasswordChangeResult.Invalid InvalidLink() => Invalid("token", "This link is not valid any more. Ask for a new one.");
}
