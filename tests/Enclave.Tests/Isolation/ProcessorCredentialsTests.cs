using Amazon.DynamoDBv2.Model;

using Enclave.Core.Accounts;
using Enclave.Core.Configuration;
using Enclave.Core.Ids;
using Enclave.Core.Secrets;
using Enclave.Core.Security;
using Enclave.Core.Storage;
using Enclave.Tests.Audit;
using Enclave.Tests.Infrastructure;

using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Enclave.Tests.Isolation;

/// <summary>
/// Issue 16.3: the processor keeps one sealed credential per owner in the identity table (DynamoDB Local, RGW's STS), so
/// its STS calls follow owners per hour, not events; a value that does not open for this owner is replaced, never used.
/// </summary>
public sealed class ProcessorCredentialsTests(ApiFixture fixture) : IClassFixture<ApiFixture>, IDisposable
{
    private const string Service = "service:processor";
    private readonly FixedClock clock = new(DateTimeOffset.UtcNow);
    private readonly List<MemoryCache> caches = [];

    public void Dispose() => caches.ForEach(c => c.Dispose());

    [Fact]
    public async Task Events_of_one_owner_share_one_credential_until_near_expiry_then_one_more()
    {
        var issuer = new CountingIssuer(fixture);
        var keeper = Keeper(issuer);
        var owner = EntityId.New().Value;

        var first = await keeper.GetAsync(owner, Service, CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(first, await keeper.GetAsync(owner, Service, CancellationToken.None));
        }

        Assert.Equal(1, issuer.Calls);
        Assert.Equal(owner, first.UserId);
        var stored = await ReadAsync(owner);
        Assert.Equal([Attr.Pk, ProcessorCredentials.Attribute, Attr.Sk, Attr.Ttl], stored!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(first.Expiration.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), stored[Attr.Ttl].N);
        Assert.DoesNotContain(first.SecretAccessKey, System.Text.Encoding.UTF8.GetString(stored[ProcessorCredentials.Attribute].B.ToArray()), StringComparison.Ordinal);

        clock.Now = first.Expiration.AddMinutes(-5);
        var second = await keeper.GetAsync(owner, Service, CancellationToken.None);
        Assert.Equal(2, issuer.Calls);
        Assert.NotEqual(first.AccessKeyId, second.AccessKeyId);
        Assert.Equal(owner, second.UserId);
    }

    [Fact]
    public async Task Each_owner_gets_their_own_and_a_value_moved_to_another_owner_does_not_open()
    {
        var issuer = new CountingIssuer(fixture);
        var keeper = Keeper(issuer);
        var (a, b) = (EntityId.New().Value, EntityId.New().Value);
        var ofA = await keeper.GetAsync(a, Service, CancellationToken.None);

        // A's sealed value copied into B's item: B's next event must not run with A's credentials.
        var copied = await ReadAsync(a);
        await fixture.Dynamo.PutItemAsync(fixture.Storage.IdentityTable, new Dictionary<string, AttributeValue>(copied!)
        {
            [Attr.Pk] = Attr.S(IdentityKeys.ProcessorPk(b)),
        });
        var ofB = await keeper.GetAsync(b, Service, CancellationToken.None);

        Assert.Equal(2, issuer.Calls);
        Assert.Equal(b, ofB.UserId);
        Assert.NotEqual(ofA.AccessKeyId, ofB.AccessKeyId);
        Assert.Equal(ofA, await keeper.GetAsync(a, Service, CancellationToken.None));
    }

    [Fact]
    public async Task An_altered_value_or_one_sealed_under_another_audit_key_is_replaced()
    {
        var issuer = new CountingIssuer(fixture);
        var owner = EntityId.New().Value;
        var first = await Keeper(issuer).GetAsync(owner, Service, CancellationToken.None);
        var stored = await ReadAsync(owner);
        var bytes = stored![ProcessorCredentials.Attribute].B.ToArray();
        bytes[^1] ^= 0x80;
        stored[ProcessorCredentials.Attribute] = new AttributeValue { B = new MemoryStream(bytes) };
        await fixture.Dynamo.PutItemAsync(fixture.Storage.IdentityTable, stored);

        var replaced = await Keeper(issuer).GetAsync(owner, Service, CancellationToken.None);
        Assert.Equal(2, issuer.Calls);
        Assert.NotEqual(first.AccessKeyId, replaced.AccessKeyId);

        var rotated = await Keeper(issuer, rotatedKey: true).GetAsync(owner, Service, CancellationToken.None);
        Assert.Equal(3, issuer.Calls);
        Assert.NotEqual(replaced.AccessKeyId, rotated.AccessKeyId);
    }

    private async Task<Dictionary<string, AttributeValue>?> ReadAsync(string owner)
    {
        var response = await fixture.Dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = fixture.Storage.IdentityTable,
            Key = Attr.Key(IdentityKeys.ProcessorPk(owner), IdentityKeys.CredentialsSort),
            ConsistentRead = true,
        });
        return response.IsItemSet ? response.Item : null;
    }

    /// <summary>Reads the audit key the fixture's API generated, or one of a fresh file (a rotated key).</summary>
    private ProcessorCredentials Keeper(IScopedCredentialIssuer issuer, bool rotatedKey = false)
    {
        var source = new LocalFileSecretSource(rotatedKey ? Path.Combine(fixture.Stack.StateDir, $"rotated-{Guid.NewGuid():N}.json") : fixture.KeyFile());
        source.EnsureGenerated([SigningKeys.LocalAuditKeyName]);
        var cache = new MemoryCache(new MemoryCacheOptions());
        caches.Add(cache);
        var secrets = Options.Create(new SecretOptions());
        return new ProcessorCredentials(
            issuer,
            fixture.Dynamo,
            new SigningKeys(new CachedSecretSource(source, cache, secrets), secrets),
            Options.Create(new StorageOptions { IdentityTable = fixture.Storage.IdentityTable }),
            Options.Create(new UserDataOptions { RoleArn = fixture.Stack.UserDataRoleArn }),
            clock);
    }
}
