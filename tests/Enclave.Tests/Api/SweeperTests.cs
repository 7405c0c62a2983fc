using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using Enclave.Core.Audit;
using Enclave.Core.Uploads;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

/// <summary>One-minute forms and a two-second sweep, so every upload window closes within the test.</summary>
public sealed class SweeperFixture : ProcessorFixture
{
    protected override void Configure(Dictionary<string, string> settings) => settings["Enclave__Limits__UploadFormMinutes"] = "1";

    protected override void ConfigureProcessor(Dictionary<string, string> settings)
    {
        settings["Enclave__Limits__UploadFormMinutes"] = "1";
        settings["Enclave__Limits__SweepPeriodSeconds"] = "2";
        settings["Enclave__Limits__MultipartOrphanGraceSeconds"] = "1";
    }
}

/// <summary>
/// The sweeper on the real RGW (SPEC §4, invariants 8 and 10): once no form can write, a stray version of a checked
/// file, a pending upload, and whatever an old form wrote for a deleted upload or session are all settled.
/// </summary>
public sealed class SweeperTests(SweeperFixture fixture) : IClassFixture<SweeperFixture>
{
    private static readonly byte[] Csv = Encoding.UTF8.GetBytes("city,temp\nOslo,3\nRome,14\n");

    [Fact]
    public async Task Incomplete_multipart_uploads_without_their_pending_upload_are_aborted_and_a_live_one_is_kept()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var owner = client.UserId!;
        var session = await client.CreateSessionAsync("multipart sweep");
        var live = await client.PostAsync($"/api/sessions/{session}/uploads", new { fileName = "big.csv", contentType = "text/csv", size = 10_000_000, multipart = true });
        Assert.Equal(HttpStatusCode.Created, live.StatusCode);
        var liveId = (await live.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uploadId").GetString()!;

        // Storage's owner starts multipart uploads the app knows nothing of: one for an upload id with no item, one
        // beside the live upload (another storage upload id at its key).
        using var admin = fixture.Stack.CreateAdminS3();
        var orphanId = Core.Ids.EntityId.New().Value;
        var orphanKey = UploadKeys.Original(owner, session, orphanId);
        var liveKey = UploadKeys.Original(owner, session, liveId);
        await admin.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = fixture.Storage.Bucket, Key = orphanKey });
        var intruder = (await admin.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = fixture.Storage.Bucket, Key = liveKey })).UploadId;

        async Task<List<MultipartUpload>> OpenAsync() =>
            (await admin.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = fixture.Storage.Bucket, Prefix = UploadKeys.SessionPrefix(owner, session) }))
            .MultipartUploads ?? [];

        var deadline = DateTimeOffset.UtcNow.AddMinutes(1);
        while ((await OpenAsync()).Count > 1)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the sweeper did not abort the orphans in a minute. Processor:\n" +
                                                          string.Join('\n', fixture.Processor.Lines.TakeLast(15)));
            await Task.Delay(500);
        }

        var left = Assert.Single(await OpenAsync());
        Assert.Equal(liveKey, left.Key);
        Assert.NotEqual(intruder, left.UploadId);
        var records = await fixture.Records().BySessionAsync(session, null, null, 100, null, CancellationToken.None);
        Assert.Contains(records.Items, r => r.Record is { Action: "upload.sweep", Reason: "multipart-orphan" } && r.Record.UploadId == orphanId && r.Record.SubjectUserId == owner);
        Assert.Contains(records.Items, r => r.Record is { Action: "upload.sweep", Reason: "multipart-pending" } && r.Record.UploadId == liveId);
    }

    [Fact]
    public async Task Once_the_windows_close_strays_are_swept_and_pending_uploads_expire()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var owner = client.UserId!;
        var session = await client.CreateSessionAsync("sweep");
        var doomedSession = await client.CreateSessionAsync("deleted soon");

        // A checked upload, then different bytes through its old form.
        var (checkedForm, checkedId) = await CreateAsync(client, session);
        Assert.True((await UploadHelpers.PostFormAsync(checkedForm, Csv, "text/csv")).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/sessions/{session}/uploads/{checkedId}/complete")).StatusCode);
        Assert.Equal(UploadStatus.Ready, (await ProcessingTests.WaitSettledAsync(client, session, checkedId, fixture.Processor)).GetProperty("status").GetString());
        Assert.True((await UploadHelpers.PostFormAsync(checkedForm, Encoding.UTF8.GetBytes("city,temp\nXxxx,9\nYyyy,99\n"), "text/csv")).IsSuccessStatusCode);

        // Pending: one never posted, one posted but never completed.
        var (_, neverPosted) = await CreateAsync(client, session);
        var (postedForm, neverCompleted) = await CreateAsync(client, session);
        Assert.True((await UploadHelpers.PostFormAsync(postedForm, Csv, "text/csv")).IsSuccessStatusCode);

        // Deleted upload and deleted session, each written to again through its old form.
        var (deletedForm, deletedId) = await CreateAsync(client, session);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{session}/uploads/{deletedId}")).StatusCode);
        Assert.True((await UploadHelpers.PostFormAsync(deletedForm, Csv, "text/csv")).IsSuccessStatusCode);
        var (sessionForm, sessionUploadId) = await CreateAsync(client, doomedSession);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{doomedSession}")).StatusCode);
        Assert.True((await UploadHelpers.PostFormAsync(sessionForm, Csv, "text/csv")).IsSuccessStatusCode);

        using var admin = fixture.Stack.CreateAdminS3();
        var checkedKey = UploadKeys.Original(owner, session, checkedId);
        Assert.Equal(2, (await VersionsAsync(admin, checkedKey)).Count);

        // Forms live 1 minute (+15 s slack); the sweep runs every 2 s.
        var deadline = DateTimeOffset.UtcNow.AddMinutes(3);
        while (!await AllSweptAsync())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the sweeper did not settle everything in 3 minutes. Processor:\n" +
                                                          string.Join('\n', fixture.Processor.Lines.TakeLast(15)));
            await Task.Delay(1000);
        }

        var link = await (await client.GetAsync($"/api/sessions/{session}/uploads/{checkedId}/download")).Content.ReadFromJsonAsync<JsonElement>();
        using var http = new HttpClient();
        Assert.Equal(Csv, await http.GetByteArrayAsync(link.GetProperty("url").GetString()));
        var expired = await (await client.GetAsync($"/api/sessions/{session}/uploads/{neverCompleted}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrEmpty(expired.GetProperty("reason").GetString()));
        var records = await fixture.Records().BySessionAsync(session, null, null, 200, null, CancellationToken.None);
        Assert.Equal(2, records.Items.Count(r => r.Record.Action == "upload.expire" && r.Record.Outcome == AccessOutcome.Allowed &&
                                                 r.Record.ActorUserId == "service:processor" && r.Record.SubjectUserId == owner));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/sessions/{session}/uploads/{neverCompleted}/complete")).StatusCode);
        Assert.Empty(await VersionsAsync(admin, UploadKeys.UploadPrefix(owner, session, neverCompleted)));

        await StorageInvariants.AssertHoldAsync(fixture.Dynamo, admin, fixture.Storage, await fixture.AuditKeyAsync());

        async Task<bool> AllSweptAsync() =>
            (await VersionsAsync(admin, checkedKey)).Count == 1 &&
            await StatusAsync(client, session, neverPosted) == UploadStatus.Expired &&
            await StatusAsync(client, session, neverCompleted) == UploadStatus.Expired &&
            (await VersionsAsync(admin, UploadKeys.UploadPrefix(owner, session, neverCompleted))).Count == 0 &&
            (await VersionsAsync(admin, UploadKeys.UploadPrefix(owner, session, deletedId))).Count == 0 &&
            (await VersionsAsync(admin, UploadKeys.UploadPrefix(owner, doomedSession, sessionUploadId))).Count == 0;
    }

    private static async Task<(JsonElement Form, string UploadId)> CreateAsync(ApiClient client, string session)
    {
        var created = await client.CreateUploadAsync(session, "weather.csv", "text/csv", Csv.Length + 8);
        return (created, created.GetProperty("uploadId").GetString()!);
    }

    private static async Task<string?> StatusAsync(ApiClient client, string session, string upload) =>
        (await (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString();

    private async Task<List<S3ObjectVersion>> VersionsAsync(Amazon.S3.IAmazonS3 admin, string prefix) =>
        (await admin.ListVersionsAsync(new ListVersionsRequest { BucketName = fixture.Storage.Bucket, Prefix = prefix })).Versions ?? [];
}
