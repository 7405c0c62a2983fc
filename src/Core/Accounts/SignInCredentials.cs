using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Configuration;
using Enclave.Core.Security;
using Enclave.Core.Storage;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Accounts;

/// <summary>
/// A user's scoped credentials live sealed in that user's own sign-in item, which every authenticated
/// request reads anyway: opening them costs no round trip, and only a request carrying the cookie can open
/// them (<see cref="CredentialSeal"/>). They are minted at sign-in and replaced when a request finds them
/// near expiry: one STS call and one update per user per credential lifetime, never one per request.
/// </summary>
public sealed class SignInCredentials(
    IScopedCredentialIssuer issuer,
    IAmazonDynamoDB dynamo,
    IOptions<StorageOptions> storage,
    IOptions<UserDataOptions> options,
    TimeProvider clock)
{
    public const string Attribute = "scopedCredentials";

    public async Task<(ScopedCredentials Credentials, AttributeValue Sealed)> IssueAsync(
        SignInToken token, Dictionary<string, AttributeValue> signInKey, CancellationToken cancellationToken)
    {
        var credentials = await issuer.IssueAsync(token.UserId, [token.UserId], cancellationToken);
        return (credentials, Seal(credentials, token, signInKey));
    }

    /// <summary>The sign-in's credentials, replaced first if they are missing, unreadable or about to expire.</summary>
    public async Task<ScopedCredentials> OpenAsync(SignInToken token, Dictionary<string, AttributeValue> signIn, CancellationToken cancellationToken)
    {
        var key = Attr.Key(signIn.RequireS(Attr.Pk), signIn.RequireS(Attr.Sk));
        var current = signIn.TryGetValue(Attribute, out var value) && value.B is { } stored
            ? CredentialSeal.Open(stored.ToArray(), token.Value, Binding(key))
            : null;
        if (current is not null && current.UserId == token.UserId &&
            !current.ExpiresWithin(TimeSpan.FromMinutes(options.Value.RefreshMinutesBeforeExpiry), clock.GetUtcNow()))
        {
            return current;
        }

        var (fresh, sealedValue) = await IssueAsync(token, key, cancellationToken);
        // Concurrent refreshes of one sign-in may both write; either result is valid credentials for this user.
        await dynamo.UpdateItemAsync(
            new UpdateItemRequest
            {
                TableName = storage.Value.IdentityTable,
                Key = key,
                UpdateExpression = "SET #c = :c",
                ConditionExpression = "attribute_exists(pk)",
                ExpressionAttributeNames = new() { ["#c"] = Attribute },
                ExpressionAttributeValues = new() { [":c"] = sealedValue },
            },
            cancellationToken);
        return fresh;
    }

    private static AttributeValue Seal(ScopedCredentials credentials, SignInToken token, Dictionary<string, AttributeValue> key) =>
        new() { B = new MemoryStream(CredentialSeal.Seal(credentials, token.Value, Binding(key))) };

    private static string Binding(Dictionary<string, AttributeValue> key) => key[Attr.Pk].S + "/" + key[Attr.Sk].S;
}
