using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Enclave.Core.Storage;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

/// <summary>TTL deletion can lag for hours in AWS, so reads must ignore items whose time has passed.</summary>
public sealed class ExpiryTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private async Task ExpireAsync(string table, string pk, string sk) =>
        await fixture.Dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = table,
            Key = Attr.Key(pk, sk),
            UpdateExpression = "SET #ttl = :past",
            ExpressionAttributeNames = new() { ["#ttl"] = Attr.Ttl },
            ExpressionAttributeValues = new() { [":past"] = Attr.N(DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds()) },
        });

    [Fact]
    public async Task An_expired_sign_in_is_refused_even_before_ttl_deletes_it()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var signIns = await fixture.Dynamo.QueryAsync(new QueryRequest
        {
            TableName = fixture.Storage.IdentityTable,
            KeyConditionExpression = "pk = :pk AND begins_with(sk, :signin)",
            ExpressionAttributeValues = new() { [":pk"] = Attr.S("ACCOUNT#" + client.UserId), [":signin"] = Attr.S("SIGNIN#") },
        });
        var signIn = Assert.Single(signIns.Items);
        Assert.InRange(signIn.GetN(Attr.Ttl) - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 11 * 3600, 12 * 3600 + 60);
        Assert.DoesNotContain(client.Cookie!, string.Join(',', signIn.Values.Select(v => v.S)), StringComparison.Ordinal);

        await ExpireAsync(fixture.Storage.IdentityTable, "ACCOUNT#" + client.UserId, signIn.GetS(Attr.Sk)!);
        await Problem.AssertAsync(await client.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_expired_session_is_not_found_and_not_listed()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var expired = await client.CreateSessionAsync("old");
        var live = await client.CreateSessionAsync("new");
        await ExpireAsync(fixture.Storage.DataTable, "USER#" + client.UserId, "SESSION#" + expired);

        await Problem.AssertAsync(await client.GetAsync($"/api/sessions/{expired}"), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await client.SendAsync(HttpMethod.Patch, $"/api/sessions/{expired}", new { name = "revive" }), HttpStatusCode.NotFound);
        var list = await (await client.GetAsync("/api/sessions")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal([live], list.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("sessionId").GetString()));
    }

    [Fact]
    public async Task An_expired_upload_is_not_found_and_not_listed()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync("uploads");
        var upload = (await client.CreateUploadAsync(session, "old.csv", "text/csv", 10)).GetProperty("uploadId").GetString()!;
        await ExpireAsync(fixture.Storage.DataTable, "USER#" + client.UserId, $"UPLOAD#{session}#{upload}");
        await Problem.AssertAsync(await client.GetAsync($"/api/sessions/{session}/uploads/{upload}"), HttpStatusCode.NotFound);
        await Problem.AssertAsync(await client.GetAsync($"/api/sessions/{session}/uploads/{upload}/download"), HttpStatusCode.NotFound);
        var list = await (await client.GetAsync($"/api/sessions/{session}/uploads")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(list.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task An_upload_expires_with_its_session_even_one_whose_expiry_does_not_follow_from_its_id()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync("lifetimes");
        var key = Attr.Key("USER#" + client.UserId, "SESSION#" + session);
        var derived = (await fixture.Dynamo.GetItemAsync(fixture.Storage.DataTable, key)).Item.GetN(Attr.Ttl);
        var upload = (await client.CreateUploadAsync(session, "a.csv", "text/csv", 10)).GetProperty("uploadId").GetString()!;
        Assert.Equal(derived, (await fixture.Dynamo.GetItemAsync(fixture.Storage.DataTable, Attr.Key("USER#" + client.UserId, $"UPLOAD#{session}#{upload}"))).Item.GetN(Attr.Ttl));

        // As if created under another lifetime setting: the upload must take the expiry the session holds, not the derived one.
        var other = DateTimeOffset.UtcNow.AddDays(3).ToUnixTimeSeconds();
        await fixture.Dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = fixture.Storage.DataTable,
            Key = key,
            UpdateExpression = "SET #ttl = :other",
            ExpressionAttributeNames = new() { ["#ttl"] = Attr.Ttl },
            ExpressionAttributeValues = new() { [":other"] = Attr.N(other) },
        });
        var second = (await client.CreateUploadAsync(session, "b.csv", "text/csv", 10)).GetProperty("uploadId").GetString()!;
        Assert.Equal(other, (await fixture.Dynamo.GetItemAsync(fixture.Storage.DataTable, Attr.Key("USER#" + client.UserId, $"UPLOAD#{session}#{second}"))).Item.GetN(Attr.Ttl));
        var records = (await fixture.Records().BySessionAsync(session, null, null, 100, null, CancellationToken.None)).Items;
        Assert.Equal(2, records.Count(r => r.Record.Action == "upload.create"));
        Assert.DoesNotContain(records, r => r.Record.Action == "session.read");
    }

    [Fact]
    public async Task User_data_is_keyed_by_its_owner()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var sessionId = await client.CreateSessionAsync("keyed");
        var item = await fixture.Dynamo.GetItemAsync(fixture.Storage.DataTable, Attr.Key("USER#" + client.UserId, "SESSION#" + sessionId));
        Assert.Equal("keyed", item.Item.GetS("name"));
        var scan = await fixture.Dynamo.ScanAsync(new ScanRequest { TableName = fixture.Storage.DataTable });
        Assert.All(scan.Items, i => Assert.StartsWith("USER#", i.GetS(Attr.Pk), StringComparison.Ordinal));
    }
}
