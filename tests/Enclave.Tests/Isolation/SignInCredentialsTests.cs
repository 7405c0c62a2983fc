using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;

using Enclave.Core.Accounts;
using Enclave.Core.Configuration;
using Enclave.Core.Ids;
using Enclave.Core.Security;
using Enclave.Core.Storage;
using Enclave.Tests.Audit;
using Enclave.Tests.Infrastructure;

using Microsoft.Extensions.Options;

namespace Enclave.Tests.Isolation;

/// <summary>
/// Credentials are minted once and kept sealed in the sign-in item (DynamoDB Local, RGW's STS): opening them
/// costs no STS call until they near expiry, and then exactly one.
/// </summary>
public sealed class SignInCredentialsTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly FixedClock clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task Credentials_are_reused_until_near_expiry_then_replaced_once()
    {
        var issuer = new CountingIssuer(fixture);
        var keeper = Keeper(issuer);
        var token = SignInToken.Create(EntityId.New().Value);
        var key = Attr.Key("ACCOUNT#" + token.UserId, "SIGNIN#" + EntityId.New().Value);

        var (first, sealedValue) = await keeper.IssueAsync(token, key, CancellationToken.None);
        var item = new Dictionary<string, AttributeValue>(key) { [SignInCredentials.Attribute] = sealedValue };
        await fixture.Dynamo.PutItemAsync(fixture.Storage.IdentityTable, item);
        Assert.Equal(1, issuer.Calls);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(first, await keeper.OpenAsync(token, await ReadAsync(key), CancellationToken.None));
        }

        Assert.Equal(1, issuer.Calls);

        clock.Now = first.Expiration.AddMinutes(-5);
        var second = await keeper.OpenAsync(token, await ReadAsync(key), CancellationToken.None);
        Assert.Equal(2, issuer.Calls);
        Assert.NotEqual(first.AccessKeyId, second.AccessKeyId);
        Assert.Equal(token.UserId, second.UserId);

        // STS dates both from its own clock, so "later" for the replacement is back at the start.
        clock.Now = DateTimeOffset.UtcNow;
        Assert.Equal(second, await keeper.OpenAsync(token, await ReadAsync(key), CancellationToken.None));
        Assert.Equal(2, issuer.Calls);
    }

    [Fact]
    public async Task A_tampered_sealed_value_is_replaced_not_trusted()
    {
        var issuer = new CountingIssuer(fixture);
        var keeper = Keeper(issuer);
        var token = SignInToken.Create(EntityId.New().Value);
        var key = Attr.Key("ACCOUNT#" + token.UserId, "SIGNIN#" + EntityId.New().Value);
        var (first, sealedValue) = await keeper.IssueAsync(token, key, CancellationToken.None);
        var bytes = sealedValue.B.ToArray();
        bytes[^1] ^= 0x80;
        await fixture.Dynamo.PutItemAsync(
            fixture.Storage.IdentityTable,
            new Dictionary<string, AttributeValue>(key) { [SignInCredentials.Attribute] = new() { B = new MemoryStream(bytes) } });

        var opened = await keeper.OpenAsync(token, await ReadAsync(key), CancellationToken.None);
        Assert.Equal(2, issuer.Calls);
        Assert.NotEqual(first.AccessKeyId, opened.AccessKeyId);
    }

    [Fact]
    public async Task Each_sign_in_stores_its_own_sealed_credentials_and_nothing_else_of_them()
    {
        var client = await fixture.Client().RegisterAndSignInAsync();
        await client.SignInAsync();
        var signIns = await fixture.Dynamo.QueryAsync(new QueryRequest
        {
            TableName = fixture.Storage.IdentityTable,
            KeyConditionExpression = "pk = :pk AND begins_with(sk, :signin)",
            ExpressionAttributeValues = new() { [":pk"] = Attr.S("ACCOUNT#" + client.UserId), [":signin"] = Attr.S("SIGNIN#") },
            ConsistentRead = true,
        });
        Assert.Equal(2, signIns.Items.Count);
        var sealedValues = signIns.Items.Select(i => Convert.ToBase64String(i[SignInCredentials.Attribute].B.ToArray())).ToList();
        Assert.Equal(2, sealedValues.Distinct(StringComparer.Ordinal).Count());
        Assert.All(signIns.Items, item => Assert.Equal(
            ["createdAt", "generation", Attr.Pk, SignInCredentials.Attribute, Attr.Sk, Attr.Ttl],
            item.Keys.Order(StringComparer.Ordinal)));
    }

    private async Task<Dictionary<string, AttributeValue>> ReadAsync(Dictionary<string, AttributeValue> key) =>
        (await fixture.Dynamo.GetItemAsync(new GetItemRequest { TableName = fixture.Storage.IdentityTable, Key = key, ConsistentRead = true })).Item;

    private SignInCredentials Keeper(IScopedCredentialIssuer issuer) => new(
        issuer,
        fixture.Dynamo,
        Options.Create(new StorageOptions { IdentityTable = fixture.Storage.IdentityTable }),
        Options.Create(new UserDataOptions { RoleArn = fixture.Stack.UserDataRoleArn }),
        clock);
}
