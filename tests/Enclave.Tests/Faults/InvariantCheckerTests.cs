using Amazon.DynamoDBv2.Model;

using Enclave.Core.Storage;
using Enclave.Core.Uploads;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Faults;

/// <summary>The invariant checker itself: silent on a consistent store, and it names each kind of half-written state.</summary>
public sealed class InvariantCheckerTests : IClassFixture<ApiFixture>
{
    private readonly ApiFixture fixture;

    public InvariantCheckerTests(ApiFixture fixture) => this.fixture = fixture;

    [Fact]
    public async Task It_passes_a_consistent_store_and_reports_every_broken_rule()
    {
        using var client = await fixture.Client().RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync();
        var content = "id\n1\n"u8.ToArray();
        var created = await client.CreateUploadAsync(session, "a.csv", "text/csv", content.Length);
        var uploadId = created.GetProperty("uploadId").GetString()!;
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await UploadHelpers.PostFormAsync(created, content, "text/csv")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.PostAsync($"/api/sessions/{session}/uploads/{uploadId}/complete")).StatusCode);
        using var s3 = fixture.Stack.CreateAdminS3();
        var key = await fixture.AuditKeyAsync();

        var clean = await StorageInvariants.CheckAsync(fixture.Dynamo, s3, fixture.Storage, key);
        Assert.Empty(clean.Violations);
        Assert.Equal((1, 1, 1), (clean.Sessions, clean.Uploads, clean.Objects));

        var owner = client.UserId!;
        var stale = await client.CreateUploadAsync(session, "stale.csv", "text/csv", 4);
        var staleId = stale.GetProperty("uploadId").GetString()!;
        await fixture.Dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = fixture.Storage.DataTable,
            Key = Attr.Key(DataKeys.Owner(owner), DataKeys.Upload(session, staleId)),
            UpdateExpression = "SET sweepAt = :past",
            ExpressionAttributeValues = new() { [":past"] = Attr.S(Attr.Iso(DateTimeOffset.UtcNow.AddHours(-1))) },
        });
        await s3.InitiateMultipartUploadAsync(new() { BucketName = fixture.Storage.Bucket, Key = UploadKeys.Original(owner, session, uploadId) });
        await s3.PutObjectAsync(new() { BucketName = fixture.Storage.Bucket, Key = $"users/{owner}/sessions/{session}/uploads/{Guid.NewGuid()}/original", ContentBody = "x" });
        await s3.DeleteObjectAsync(fixture.Storage.Bucket, UploadKeys.Original(owner, session, uploadId));
        await fixture.Dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = fixture.Storage.DataTable,
            Key = Attr.Key(DataKeys.Owner(owner), "SESSION#" + session),
            UpdateExpression = "SET uploadCount = :five",
            ExpressionAttributeValues = new() { [":five"] = Attr.N(5) },
        });
        var records = (await fixture.Dynamo.ScanAsync(new ScanRequest { TableName = fixture.Storage.AuditTable })).Items;
        var create = records.Single(r => r.GetS("action") == "session.create");
        await fixture.Dynamo.DeleteItemAsync(fixture.Storage.AuditTable, Attr.Key(create.GetS(Attr.Pk)!, create.GetS(Attr.Sk)!));
        var read = records.First(r => r.GetS("action") == "upload.complete");
        await fixture.Dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = fixture.Storage.AuditTable,
            Key = Attr.Key(read.GetS(Attr.Pk)!, read.GetS(Attr.Sk)!),
            UpdateExpression = "SET requestId = :other",
            ExpressionAttributeValues = new() { [":other"] = Attr.S("edited") },
        });

        var broken = await StorageInvariants.CheckAsync(fixture.Dynamo, s3, fixture.Storage, key);
        string[] expected =
        [
            "does not verify with the audit key",
            "no allowed session.create record",
            "uploadCount 5 but 2 upload items",
            $"upload {uploadId} (uploaded) of {owner}: no original object",
            $"upload {staleId} (pending) of {owner}: pending past its window",
            "without a pending upload",
            "belongs to no known upload",
        ];
        Assert.All(expected, text => Assert.Contains(broken.Violations, v => v.Contains(text, StringComparison.Ordinal)));
        Assert.Equal(expected.Length, broken.Violations.Count);
    }
}
