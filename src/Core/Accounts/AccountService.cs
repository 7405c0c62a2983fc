using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Audit;
using Enclave.Core.Configuration;
using Enclave.Core.Requests;
using Enclave.Core.Secrets;
using Enclave.Core.Storage;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Accounts;

/// <summary>
/// Accounts and sign-ins in the identity table:
/// <c>EMAIL#{email}</c> holds the user id and password hash (one read per login attempt);
/// <c>ACCOUNT#{userId}/ACCOUNT</c> holds email, roles and the sign-in generation;
/// <c>ACCOUNT#{userId}/SIGNIN#{hash}</c> is one sign-in, valid while its generation matches the
/// account's, so "sign out everywhere" is one atomic increment.
/// </summary>
public sealed class AccountService(
    IAmazonDynamoDB dynamo,
    IOptions<StorageOptions> storage,
    IOptions<LimitsOptions> limits,
    PasswordHashing hashing,
    LoginThrottle throttle,
    SigningKeys keys,
    SignInCredentials signInCredentials,
    IAccessLog accessLog,
    RequestContext request,
    TimeProvider clock)
{
    private string Table => storage.Value.IdentityTable;

    public async Task<LoginResult> LoginAsync(string? emailText, string? password, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(emailText) || string.IsNullOrEmpty(password))
        {
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            if (string.IsNullOrEmpty(emailText))
            {
                errors["email"] = ["Enter your email address."];
            }

            if (string.IsNullOrEmpty(password))
            {
                errors["password"] = ["Enter your password."];
            }

            return new LoginResult.Invalid(errors);
        }

        // Malformed emails and over-long passwords still take the full path, so they look like any other
        // failure; a malformed email is replaced by its hash, so no key grows with what the caller sent.
        var email = EmailAddress.TryNormalize(emailText, out var normalized) ? normalized : EmailAddress.InvalidKey(emailText);
        var gate = await throttle.CheckLoginAsync(email, request.ClientIp, cancellationToken);
        if (!gate.Address.Allowed)
        {
            await Task.WhenAll(
                throttle.RecordRefusedAsync(email, request.ClientIp, cancellationToken),
                accessLog.WriteAsync(new AccessEvent("auth.login", AccessOutcome.Denied, "throttled"), cancellationToken));
            return new LoginResult.Throttled(gate.Address.RetryAfter);
        }

        // Recent failures on this account slow every attempt on it, before the answer is known, so
        // giving up early tells a guesser nothing; the right password still gets in after the wait.
        if (gate.AccountDelay > TimeSpan.Zero)
        {
            await Task.Delay(gate.AccountDelay, clock, cancellationToken);
        }

        var credentials = await dynamo.GetItemAsync(
            new GetItemRequest { TableName = Table, Key = Attr.Key(IdentityKeys.EmailPk(email), IdentityKeys.EmailSort), ConsistentRead = true },
            cancellationToken);
        var found = credentials.Item is { Count: > 0 } ? credentials.Item : null;
        var check = hashing.Check(found?.GetS("passwordHash"), password.Length <= PasswordPolicy.MaxLength ? password : "");
        if (found is null || check == PasswordCheck.Failed || password.Length > PasswordPolicy.MaxLength)
        {
            await accessLog.WriteAsync(
                new AccessEvent("auth.login", AccessOutcome.Denied, "invalid-credentials", SubjectUserId: found?.GetS("userId")),
                cancellationToken);
            return new LoginResult.Rejected();
        }

        // The right password for an address nobody has confirmed: the same generic answer, and not a failure to throttle.
        if (!found.ContainsKey("verifiedAt"))
        {
            await throttle.RecordSuccessAsync(email, request.ClientIp, cancellationToken);
            await accessLog.WriteAsync(new AccessEvent("auth.login", AccessOutcome.Denied, "unverified", SubjectUserId: found.GetS("userId")), cancellationToken);
            return new LoginResult.Rejected();
        }

        await throttle.RecordSuccessAsync(email, request.ClientIp, cancellationToken);
        var userId = found.RequireS("userId");
        if (check == PasswordCheck.OkRehash)
        {
            await UpgradeHashAsync(email, found.RequireS("passwordHash"), password, cancellationToken);
        }
        var account = await dynamo.GetItemAsync(
            new GetItemRequest { TableName = Table, Key = Attr.Key(IdentityKeys.AccountPk(userId), IdentityKeys.AccountSort), ConsistentRead = true },
            cancellationToken);
        if (account.Item is not { Count: > 0 })
        {
            throw new InvalidDataException("Email item points at a missing account.");
        }

        var token = SignInToken.Create(userId);
        var cookieKey = await keys.CookieKeyAsync(cancellationToken);
        var hash = token.Hash(cookieKey);
        var expiresAt = clock.GetUtcNow().AddHours(limits.Value.SignInLifetimeHours);
        var signIn = Attr.Key(IdentityKeys.AccountPk(userId), IdentityKeys.SignInSort(hash));
        var (scoped, sealedCredentials) = await signInCredentials.IssueAsync(token, signIn, cancellationToken);
        signIn[SignInCredentials.Attribute] = sealedCredentials;
        signIn["generation"] = Attr.N(account.Item.GetN("generation"));
        signIn["createdAt"] = Attr.S(Attr.Iso(clock.GetUtcNow()));
        signIn[Attr.Ttl] = Attr.N(expiresAt.ToUnixTimeSeconds());
        request.Authenticated(userId);
        await dynamo.CommitAsync(
            [
                new() { Put = new Put { TableName = Table, Item = signIn, ConditionExpression = "attribute_not_exists(pk)" } },
                await accessLog.PrepareAsync(
                    new AccessEvent("auth.login", AccessOutcome.Allowed, gate.AccountDelay > TimeSpan.Zero ? "after-failure-delay" : null, SubjectUserId: userId),
                    cancellationToken),
            ],
            cancellationToken);
        var user = new SignedInUser(userId, account.Item.RequireS("email"), Roles(account.Item), hash, SignInToken.CsrfFor(hash, cookieKey), scoped);
        return new LoginResult.SignedIn(user, token, expiresAt);
    }

    /// <summary>Checks a cookie: one transactional read of the account and the sign-in together.</summary>
    public async Task<SignedInUser?> AuthenticateAsync(string? cookie, CancellationToken cancellationToken)
    {
        if (!SignInToken.TryParse(cookie, out var token))
        {
            return null;
        }

        var cookieKey = await keys.CookieKeyAsync(cancellationToken);
        var hash = token.Hash(cookieKey);
        var pk = IdentityKeys.AccountPk(token.UserId);
        var response = await dynamo.TransactGetItemsAsync(
            new TransactGetItemsRequest
            {
                TransactItems =
                [
                    new() { Get = new Get { TableName = Table, Key = Attr.Key(pk, IdentityKeys.AccountSort) } },
                    new() { Get = new Get { TableName = Table, Key = Attr.Key(pk, IdentityKeys.SignInSort(hash)) } },
                ],
            },
            cancellationToken);
        var account = response.Responses[0].Item;
        var signIn = response.Responses[1].Item;
        if (account is not { Count: > 0 } || signIn is not { Count: > 0 } ||
            !signIn.IsLive(clock.GetUtcNow()) || signIn.GetN("generation") != account.GetN("generation"))
        {
            return null;
        }

        var scoped = await signInCredentials.OpenAsync(token, signIn, cancellationToken);
        return new SignedInUser(token.UserId, account.RequireS("email"), Roles(account), hash, SignInToken.CsrfFor(hash, cookieKey), scoped);
    }

    public async Task LogoutAsync(SignedInUser user, CancellationToken cancellationToken) =>
        await dynamo.CommitAsync(
            [
                new() { Delete = new Delete { TableName = Table, Key = Attr.Key(IdentityKeys.AccountPk(user.UserId), IdentityKeys.SignInSort(user.SignInHash)) } },
                await accessLog.PrepareAsync(new AccessEvent("auth.logout", AccessOutcome.Allowed, SubjectUserId: user.UserId), cancellationToken),
            ],
            cancellationToken);

    /// <summary>Every sign-in of the user stops working at once: their generation no longer matches.</summary>
    public async Task LogoutEverywhereAsync(SignedInUser user, CancellationToken cancellationToken) =>
        await dynamo.CommitAsync(
            [
                new()
                {
                    Update = new Update
                    {
                        TableName = Table,
                        Key = Attr.Key(IdentityKeys.AccountPk(user.UserId), IdentityKeys.AccountSort),
                        UpdateExpression = "ADD generation :one",
                        ConditionExpression = "attribute_exists(pk)",
                        ExpressionAttributeValues = new() { [":one"] = Attr.N(1) },
                    },
                },
                new() { Delete = new Delete { TableName = Table, Key = Attr.Key(IdentityKeys.AccountPk(user.UserId), IdentityKeys.SignInSort(user.SignInHash)) } },
                await accessLog.PrepareAsync(new AccessEvent("auth.logout-all", AccessOutcome.Allowed, SubjectUserId: user.UserId), cancellationToken),
            ],
            cancellationToken);

    /// <summary>Replaces a hash made with weaker parameters; a concurrent password change wins (the condition).</summary>
    private async Task UpgradeHashAsync(string email, string oldHash, string password, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = Table,
                    Key = Attr.Key(IdentityKeys.EmailPk(email), IdentityKeys.EmailSort),
                    UpdateExpression = "SET passwordHash = :new",
                    ConditionExpression = "passwordHash = :old",
                    ExpressionAttributeValues = new() { [":new"] = Attr.S(hashing.Hash(password)), [":old"] = Attr.S(oldHash) },
                },
                cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            // The password changed meanwhile; its new hash is current.
        }
    }

    public Task RecordProfileReadAsync(SignedInUser user, CancellationToken cancellationToken) =>
        accessLog.WriteAsync(new AccessEvent("account.read", AccessOutcome.Allowed, SubjectUserId: user.UserId), cancellationToken);

    private static string[] Roles(Dictionary<string, AttributeValue> account) =>
        account.TryGetValue(RoleGrants.RolesAttribute, out var roles) && roles.SS is { Count: > 0 } set ? [.. set.Order(StringComparer.Ordinal)] : [];
}
