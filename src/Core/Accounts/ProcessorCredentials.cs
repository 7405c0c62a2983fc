using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Configuration;
using Enclave.Core.Secrets;
using Enclave.Core.Security;
using Enclave.Core.Storage;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Accounts;

/// <summary>
/// The processor's scoped credentials for one owner live sealed in the identity table (<c>PROCESSOR#{owner}</c>) for
/// their lifetime, as a sign-in keeps its own: one STS call per owner per credential lifetime, however many uploads
/// and sweeps of that owner the processor handles meanwhile (one per event would exceed the account's STS rate at the
/// target load; docs/capacity.md). They are sealed with a key derived from the audit key, which only the functions
/// read; a sealed value that does not open (another key, another owner's item, altered) is replaced, never used.
/// </summary>
public sealed class ProcessorCredentials(
    IScopedCredentialIssuer issuer,
    IAmazonDynamoDB dynamo,
    SigningKeys keys,
    IOptions<StorageOptions> storage,
    IOptions<UserDataOptions> options,
    TimeProvider clock)
{
    public const string Attribute = "scopedCredentials";

    /// <summary>Credentials for <paramref name="ownerId"/> that may also write <paramref name="serviceActor"/>'s records.</summary>
    public async Task<ScopedCredentials> GetAsync(string ownerId, string serviceActor, CancellationToken cancellationToken)
    {
        var key = Attr.Key(IdentityKeys.ProcessorPk(ownerId), IdentityKeys.CredentialsSort);
        var binding = $"{key[Attr.Pk].S}/{key[Attr.Sk].S}/{serviceActor}";
        var sealKey = (await keys.AuditKeyAsync(cancellationToken)).SignToHex("enclave:processor-credentials:v1");
        var stored = await dynamo.GetItemAsync(new GetItemRequest { TableName = storage.Value.IdentityTable, Key = key }, cancellationToken);
        var current = stored.Item?.GetValueOrDefault(Attribute)?.B is { } value ? CredentialSeal.Open(value.ToArray(), sealKey, binding) : null;
        if (current is not null && current.UserId == ownerId &&
            !current.ExpiresWithin(TimeSpan.FromMinutes(options.Value.RefreshMinutesBeforeExpiry), clock.GetUtcNow()))
        {
            return current;
        }

        var fresh = await issuer.IssueAsync(ownerId, [ownerId, serviceActor], cancellationToken);
        var item = new Dictionary<string, AttributeValue>(key)
        {
            [Attribute] = new() { B = new MemoryStream(CredentialSeal.Seal(fresh, sealKey, binding)) },
            [Attr.Ttl] = Attr.N(fresh.Expiration.ToUnixTimeSeconds()),
        };
        // Two processors refreshing one owner at once may both write; either value is valid credentials for that owner.
        await dynamo.PutItemAsync(new PutItemRequest { TableName = storage.Value.IdentityTable, Item = item }, cancellationToken);
        return fresh;
    }
}
