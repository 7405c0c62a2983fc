using System.Net;
using System.Text;
using System.Text.Json;

using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SecurityToken;

using Enclave.Core.Configuration;
using Enclave.Core.Ids;
using Enclave.Core.Security;
using Enclave.Core.Uploads;
using Enclave.Tests.Infrastructure;

using Microsoft.Extensions.Options;

namespace Enclave.Tests.Isolation;

/// <summary>
/// Storage-enforced isolation against the real RGW: credentials minted by the app's own issuer for user A
/// (STS AssumeRole with the app's session policy) reach A's prefix and get 403 from the storage server for
/// B's, for every S3 action the app uses, presigned URLs and forms included. The app's code is not in the
/// way here: if it ever handed out a wrong key, storage would still refuse.
/// </summary>
public sealed class ScopedCredentialIsolationTests : IAsyncLifetime
{
    private readonly string bucket = "iso-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string userA = EntityId.New().Value;
    private readonly string userB = EntityId.New().Value;
    private LocalStack stack = null!;
    private IAmazonS3 admin = null!;
    private AmazonS3Client scopedA = null!;
    private ScopedCredentials credentialsA = null!;

    private static string KeyOf(string user, string name) => $"users/{user}/sessions/{EntityId.New().Value}/uploads/{name}/original";

    public async Task InitializeAsync()
    {
        stack = await LocalStack.GetAsync();
        admin = stack.CreateAdminS3();
        await admin.PutBucketAsync(bucket);
        await admin.PutBucketVersioningAsync(new PutBucketVersioningRequest
        {
            BucketName = bucket,
            VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled },
        });
        var issuer = stack.CreateIssuer(new StorageOptions { UploadBucket = bucket, DataTable = "data", AuditTable = "audit" });
        credentialsA = await issuer.IssueAsync(userA, [userA], CancellationToken.None);
        scopedA = Scoped(credentialsA);
    }

    public Task DisposeAsync()
    {
        scopedA.Dispose();
        admin.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public void The_issued_credentials_are_temporary_and_name_the_user()
    {
        Assert.Equal(userA, credentialsA.UserId);
        Assert.False(string.IsNullOrEmpty(credentialsA.SessionToken));
        Assert.NotEqual(stack.AccessKey, credentialsA.AccessKeyId);
        Assert.InRange(credentialsA.Expiration - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(50), TimeSpan.FromMinutes(61));
    }

    [Fact]
    public async Task PutObject_own_prefix_allowed_other_prefix_refused()
    {
        var own = KeyOf(userA, "put");
        await scopedA.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = own, ContentBody = "a" });
        Assert.Equal("a", await ReadAsAdminAsync(own));

        var foreign = KeyOf(userB, "put");
        await AssertForbiddenAsync(() => scopedA.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = foreign, ContentBody = "x" }));
        await AssertForbiddenAsync(() => scopedA.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "shared/fallback.csv", ContentBody = "x" }));
        await Assert.ThrowsAsync<AmazonS3Exception>(() => admin.GetObjectMetadataAsync(bucket, foreign));
    }

    [Fact]
    public async Task GetObject_and_head_own_prefix_allowed_other_prefix_refused()
    {
        var own = await SeedAsync(userA, "get");
        var foreign = await SeedAsync(userB, "get");
        using (var response = await scopedA.GetObjectAsync(bucket, own))
        {
            Assert.Equal(own, await new StreamReader(response.ResponseStream).ReadToEndAsync());
        }

        Assert.Equal(own.Length, (await scopedA.GetObjectMetadataAsync(bucket, own)).ContentLength);
        await AssertForbiddenAsync(() => scopedA.GetObjectAsync(bucket, foreign));
        await AssertForbiddenAsync(() => scopedA.GetObjectMetadataAsync(bucket, foreign));
        await AssertForbiddenAsync(() => scopedA.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = foreign, ByteRange = new ByteRange(0, 3) }));
    }

    [Fact]
    public async Task DeleteObject_reaches_only_the_own_prefix()
    {
        var own = await SeedAsync(userA, "del");
        var foreign = await SeedAsync(userB, "del");
        await AssertForbiddenAsync(() => scopedA.DeleteObjectAsync(bucket, foreign));

        Assert.Equal(foreign, await ReadAsAdminAsync(foreign));

        await scopedA.DeleteObjectAsync(bucket, own);
        await Assert.ThrowsAsync<AmazonS3Exception>(() => admin.GetObjectMetadataAsync(bucket, own));
    }

    [Fact]
    public async Task Object_versions_are_read_listed_and_deleted_only_under_the_own_prefix()
    {
        var own = await SeedAsync(userA, "ver");
        var foreign = await SeedAsync(userB, "ver");
        var ownVersion = await VersionOfAsync(own);
        var foreignVersion = await VersionOfAsync(foreign);

        using (var response = await scopedA.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = own, VersionId = ownVersion }))
        {
            Assert.Equal(ownVersion, response.VersionId);
        }

        await AssertForbiddenAsync(() => scopedA.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = foreign, VersionId = foreignVersion }));
        await AssertForbiddenAsync(() => scopedA.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = foreign, VersionId = foreignVersion }));
        await AssertForbiddenAsync(() => scopedA.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, Prefix = $"users/{userB}/" }));
        Assert.Equal(foreignVersion, await VersionOfAsync(foreign));

        var listed = await scopedA.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, Prefix = $"users/{userA}/" });
        Assert.Contains(listed.Versions, v => v.Key == own && v.VersionId == ownVersion);
        await scopedA.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = own, VersionId = ownVersion });
        var after = await admin.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, Prefix = own });
        Assert.DoesNotContain(after.Versions ?? [], v => v.Key == own);
    }

    [Fact]
    public async Task ListBucket_only_under_the_own_prefix()
    {
        var own = await SeedAsync(userA, "list");
        await SeedAsync(userB, "list");
        var listed = await scopedA.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = $"users/{userA}/" });
        Assert.Equal([own], listed.S3Objects.Select(o => o.Key));
        await AssertForbiddenAsync(() => scopedA.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = $"users/{userB}/" }));
        await AssertForbiddenAsync(() => scopedA.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "users/" }));
        await AssertForbiddenAsync(() => scopedA.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }));
    }

    [Fact]
    public async Task Presigned_download_links_made_with_A_credentials_open_only_A_objects()
    {
        var store = Store(scopedA);
        var own = await SeedAsync(userA, "link");
        var foreign = await SeedAsync(userB, "link");
        using var http = new HttpClient();
        var expires = DateTimeOffset.UtcNow.AddMinutes(5);

        var ownLink = await store.CreateDownloadLinkAsync(own, await VersionOfAsync(own), "a.csv", "text/csv", expires);
        var ownResponse = await http.GetAsync(ownLink.Url);
        Assert.Equal(HttpStatusCode.OK, ownResponse.StatusCode);
        Assert.Equal(own, await ownResponse.Content.ReadAsStringAsync());

        var foreignLink = await store.CreateDownloadLinkAsync(foreign, await VersionOfAsync(foreign), "b.csv", "text/csv", expires);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(foreignLink.Url)).StatusCode);
    }

    /// <summary>
    /// RGW 16 enforces the session policy on POST forms (another user's prefix gets 403) but stores nothing for
    /// an allowed form signed with session credentials (it answers 201 with an empty ETag), so the own-prefix half
    /// is checked on the form itself: AWS accepts temporary credentials in a POST only when the form carries the
    /// session token and the signed policy names it.
    /// </summary>
    [Fact]
    public async Task Presigned_upload_forms_made_with_A_credentials_are_refused_for_B_prefix()
    {
        var store = Store(scopedA);
        var expires = DateTimeOffset.UtcNow.AddMinutes(5);
        var foreign = KeyOf(userB, "form");
        var foreignResponse = await PostAsync(await store.CreateUploadFormAsync(foreign, "text/csv", 100, expires), "x\n");
        Assert.Equal(HttpStatusCode.Forbidden, foreignResponse.StatusCode);
        await Assert.ThrowsAsync<AmazonS3Exception>(() => admin.GetObjectMetadataAsync(bucket, foreign));

        var own = await store.CreateUploadFormAsync(KeyOf(userA, "form"), "text/csv", 100, expires);
        Assert.Equal(credentialsA.SessionToken, own.Fields["x-amz-security-token"]);
        var policy = JsonDocument.Parse(Convert.FromBase64String(own.Fields["Policy"])).RootElement;
        Assert.Contains(
            policy.GetProperty("conditions").EnumerateArray(),
            c => c.ValueKind == JsonValueKind.Object && c.TryGetProperty("x-amz-security-token", out var token) && token.GetString() == credentialsA.SessionToken);
        Assert.StartsWith(credentialsA.AccessKeyId + "/", own.Fields["x-amz-credential"], StringComparison.Ordinal);
    }

    private S3ObjectStore Store(IAmazonS3 s3) => new(
        new FixedUserDataClients(s3),
        Options.Create(new StorageOptions { UploadBucket = bucket, S3PresignOverHttp = true }));

    private static async Task<HttpResponseMessage> PostAsync(UploadForm form, string content)
    {
        var upload = JsonDocument.Parse(JsonSerializer.Serialize(new { upload = new { url = form.Url, fields = form.Fields } })).RootElement;
        return await UploadHelpers.PostFormAsync(upload, Encoding.UTF8.GetBytes(content), "text/csv");
    }

    private AmazonS3Client Scoped(ScopedCredentials credentials) =>
        stack.CreateS3(new SessionAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken));

    private async Task<string> SeedAsync(string user, string name)
    {
        var key = KeyOf(user, name);
        await admin.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = key });
        return key;
    }

    private async Task<string> VersionOfAsync(string key) => (await admin.GetObjectMetadataAsync(bucket, key)).VersionId;

    private async Task<string> ReadAsAdminAsync(string key)
    {
        using var response = await admin.GetObjectAsync(bucket, key);
        return await new StreamReader(response.ResponseStream).ReadToEndAsync();
    }

    private static async Task AssertForbiddenAsync(Func<Task> call)
    {
        var error = await CatchAsync(call);
        var s3Error = Assert.IsType<AmazonS3Exception>(error, exactMatch: false);
        Assert.Equal(HttpStatusCode.Forbidden, s3Error.StatusCode);
    }

    private static async Task<Exception?> CatchAsync(Func<Task> call)
    {
        try
        {
            await call();
            return null;
        }
        catch (Exception ex) when (ex is AmazonS3Exception)
        {
            return ex;
        }
    }
}
