using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Enclave.Core.Audit;
using Enclave.Core.Uploads;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

/// <summary>5 MiB parts (RGW's own minimum) and a small threshold and limit, so multipart files stay a few MiB.</summary>
public sealed class MultipartFixture : ProcessorFixture
{
    public const long PartSize = 5L * 1024 * 1024;

    protected override void Configure(Dictionary<string, string> settings)
    {
        settings["Enclave__Limits__MinPartBytes"] = PartSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Enclave__Limits__MultipartThresholdBytes"] = (6L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Enclave__Limits__MaxMultipartUploadBytes"] = (64L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>SPEC §3 (v2) multipart rows on the real RGW: parts, resume, complete that checks the parts itself, abort.</summary>
public sealed class MultipartUploadTests(MultipartFixture fixture) : IClassFixture<MultipartFixture>, IDisposable
{
    private const long PartSize = MultipartFixture.PartSize;

    private readonly IAmazonS3 admin = fixture.Stack.CreateAdminS3();

    private readonly HttpClient storage = new();

    public void Dispose()
    {
        admin.Dispose();
        storage.Dispose();
    }

    /// <summary>A CSV of about <paramref name="bytes"/> bytes whose rows number the lines, so its profile is predictable.</summary>
    private static byte[] Csv(long bytes, out int rows)
    {
        var text = new StringBuilder("n,label\n");
        rows = 0;
        while (text.Length < bytes)
        {
            text.Append(rows).Append(",row-").Append(rows % 97).Append('\n');
            rows++;
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private async Task<(ApiClient Client, string Session)> SignedInAsync()
    {
        var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        return (client, await client.CreateSessionAsync("multipart"));
    }

    private static async Task<string> CreateMultipartAsync(ApiClient client, string session, long size, bool? multipart = true)
    {
        var response = await client.PostAsync($"/api/sessions/{session}/uploads", new { fileName = "big.csv", contentType = "text/csv", size, multipart });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(body.TryGetProperty("upload", out _), "a multipart upload has no form");
        return body.GetProperty("uploadId").GetString()!;
    }

    private static async Task<Dictionary<int, string>> PartUrlsAsync(ApiClient client, string session, string upload, params int[] partNumbers)
    {
        var response = await client.PostAsync($"/api/sessions/{session}/uploads/{upload}/parts", new { partNumbers });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("parts").EnumerateArray().ToDictionary(p => p.GetProperty("partNumber").GetInt32(), p => p.GetProperty("url").GetString()!);
    }

    private static ReadOnlyMemory<byte> Part(byte[] file, int partNumber) =>
        file.AsMemory((int)((partNumber - 1) * PartSize), (int)Math.Min(PartSize, file.Length - ((partNumber - 1) * PartSize)));

    private async Task<HttpResponseMessage> PutPartAsync(string url, ReadOnlyMemory<byte> bytes)
    {
        using var content = new ReadOnlyMemoryContent(bytes);
        return await storage.PutAsync(new Uri(url), content);
    }

    private async Task<string> S3UploadIdAsync(string key)
    {
        var open = await admin.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = fixture.Storage.Bucket, Prefix = key });
        return Assert.Single(open.MultipartUploads ?? []).UploadId;
    }

    [Fact]
    public async Task A_file_sent_in_parts_completes_is_pinned_downloaded_byte_identical_and_profiled()
    {
        var (client, session) = await SignedInAsync();
        using var owned = client;
        var file = Csv((2 * PartSize) + 12_345, out var rows);
        var created = await client.PostAsync($"/api/sessions/{session}/uploads", new { fileName = "big.csv", contentType = "text/csv", size = file.Length, multipart = true });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var upload = body.GetProperty("uploadId").GetString()!;
        Assert.Equal(PartSize, body.GetProperty("multipart").GetProperty("partSize").GetInt64());
        Assert.Equal(3, body.GetProperty("multipart").GetProperty("partCount").GetInt32());
        Assert.False(body.GetProperty("multipart").TryGetProperty("s3UploadId", out _), "storage's upload id stays on the server");
        Assert.True(body.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(23));

        var urls = await PartUrlsAsync(client, session, upload, 1, 2, 3);
        foreach (var url in urls.Values)
        {
            // The part's size is part of the signature, and the URL lives at most 15 minutes.
            var query = Uri.UnescapeDataString(new Uri(url).Query.TrimStart('?')).Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
            Assert.Contains("content-length", query["X-Amz-SignedHeaders"].Split(';'));
            Assert.InRange(int.Parse(query["X-Amz-Expires"], System.Globalization.CultureInfo.InvariantCulture), 1, 900);
        }

        foreach (var (number, url) in urls)
        {
            Assert.Equal(HttpStatusCode.OK, (await PutPartAsync(url, Part(file, number))).StatusCode);
        }

        var listed = await (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}/parts")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(new[] { PartSize, PartSize, file.Length - (2 * PartSize) }, listed.GetProperty("parts").EnumerateArray().Select(p => p.GetProperty("size").GetInt64()));

        var completed = await client.PostAsync($"/api/sessions/{session}/uploads/{upload}/complete");
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.Equal(UploadStatus.Uploaded, (await completed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(UploadStatus.Ready, (await ProcessingTests.WaitSettledAsync(client, session, upload, fixture.Processor)).GetProperty("status").GetString());

        var link = await (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}/download")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(file, await storage.GetByteArrayAsync(link.GetProperty("url").GetString()));
        var profile = await (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}/profile")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains($"\"rowCount\":{rows}", profile.GetRawText(), StringComparison.Ordinal);

        // Completed: the old part URLs write nothing any more, and parts are refused.
        Assert.NotEqual(HttpStatusCode.OK, (await PutPartAsync(urls[1], Part(file, 1))).StatusCode);
        await Problem.AssertAsync(await client.PostAsync($"/api/sessions/{session}/uploads/{upload}/parts", new { partNumbers = new[] { 1 } }), HttpStatusCode.Conflict);
        await Problem.AssertAsync(await client.GetAsync($"/api/sessions/{session}/uploads/{upload}/parts"), HttpStatusCode.Conflict);
        var records = await fixture.Records().ByActorAsync(client.UserId!, null, null, 100, null, CancellationToken.None);
        Assert.Contains(records.Items, r => r.Record is { Action: "upload.parts.sign", Outcome: AccessOutcome.Allowed } && r.Record.UploadId == upload);
        Assert.Contains(records.Items, r => r.Record is { Action: "upload.parts.list", Outcome: AccessOutcome.Allowed } && r.Record.UploadId == upload);
        Assert.Contains(records.Items, r => r.Record is { Action: "upload.parts.sign", Outcome: AccessOutcome.Denied } && r.Record.UploadId == upload);
    }

    [Fact]
    public async Task A_resumed_upload_sends_only_the_missing_parts_and_complete_names_what_is_missing_until_then()
    {
        var (client, session) = await SignedInAsync();
        using var owned = client;
        var file = Csv((2 * PartSize) + 100, out _);
        var upload = await CreateMultipartAsync(client, session, file.Length);
        var first = await PartUrlsAsync(client, session, upload, 2);
        Assert.Equal(HttpStatusCode.OK, (await PutPartAsync(first[2], Part(file, 2))).StatusCode);

        var refused = await client.PostAsync($"/api/sessions/{session}/uploads/{upload}/complete");
        var problem = await Problem.AssertAsync(refused, HttpStatusCode.Conflict);
        Assert.Contains("Missing parts: 1, 3.", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Equal(UploadStatus.Pending, (await (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        // Resume: ask storage what it holds, send the rest.
        var held = (await (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}/parts")).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("parts").EnumerateArray().Select(p => p.GetProperty("partNumber").GetInt32()).ToHashSet();
        Assert.Equal(new[] { 2 }, held);
        var rest = await PartUrlsAsync(client, session, upload, [.. Enumerable.Range(1, 3).Where(n => !held.Contains(n))]);
        Assert.Equal(new[] { 1, 3 }, rest.Keys.Order());
        foreach (var (number, url) in rest)
        {
            Assert.Equal(HttpStatusCode.OK, (await PutPartAsync(url, Part(file, number))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/sessions/{session}/uploads/{upload}/complete")).StatusCode);
        Assert.Equal(UploadStatus.Ready, (await ProcessingTests.WaitSettledAsync(client, session, upload, fixture.Processor)).GetProperty("status").GetString());
        var records = await fixture.Records().ByActorAsync(client.UserId!, null, null, 100, null, CancellationToken.None);
        Assert.Contains(records.Items, r => r.Record is { Action: "upload.complete", Outcome: AccessOutcome.Denied, Reason: "parts-missing" } && r.Record.UploadId == upload);
    }

    [Fact]
    public async Task A_part_of_another_size_is_refused_by_storage_and_a_wrongly_sized_part_by_complete()
    {
        var (client, session) = await SignedInAsync();
        using var owned = client;
        var file = Csv(PartSize + 100, out _);
        var upload = await CreateMultipartAsync(client, session, file.Length);
        var urls = await PartUrlsAsync(client, session, upload, 1, 2);

        // The signed Content-Length: RGW refuses a body of another length (SignatureDoesNotMatch), and keeps nothing.
        var longer = new byte[PartSize + 1];
        Assert.Equal(HttpStatusCode.Forbidden, (await PutPartAsync(urls[1], longer)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PutPartAsync(urls[2], Part(file, 1))).StatusCode);

        // Storage's owner (not any URL we hand out) can still store an odd part; complete refuses it by name.
        var key = UploadKeys.Original(client.UserId!, session, upload);
        var s3UploadId = await S3UploadIdAsync(key);
        using (var odd = new MemoryStream(new byte[PartSize + 7]))
        {
            await admin.UploadPartAsync(new UploadPartRequest { BucketName = fixture.Storage.Bucket, Key = key, UploadId = s3UploadId, PartNumber = 1, InputStream = odd });
        }

        Assert.Equal(HttpStatusCode.OK, (await PutPartAsync(urls[2], Part(file, 2))).StatusCode);
        var problem = await Problem.AssertAsync(await client.PostAsync($"/api/sessions/{session}/uploads/{upload}/complete"), HttpStatusCode.Conflict);
        Assert.Contains("Parts of the wrong size: 1 ", problem.GetProperty("title").GetString(), StringComparison.Ordinal);

        // Sending the right part again replaces it; then complete takes the file.
        Assert.Equal(HttpStatusCode.OK, (await PutPartAsync(urls[1], Part(file, 1))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/sessions/{session}/uploads/{upload}/complete")).StatusCode);
    }

    [Fact]
    public async Task A_part_url_of_another_upload_cannot_write_this_key()
    {
        var (client, session) = await SignedInAsync();
        using var owned = client;
        var file = Csv(PartSize + 100, out _);
        var mine = await CreateMultipartAsync(client, session, file.Length);
        var theirs = await CreateMultipartAsync(client, session, file.Length);
        var myKey = UploadKeys.Original(client.UserId!, session, mine);
        var theirKey = UploadKeys.Original(client.UserId!, session, theirs);
        var (myS3Id, theirS3Id) = (await S3UploadIdAsync(myKey), await S3UploadIdAsync(theirKey));
        var theirUrl = (await PartUrlsAsync(client, session, theirs, 1))[1];

        // Their URL pointed at my key, or at my storage upload id: the signature covers both, so storage refuses.
        var atMyKey = theirUrl.Replace(theirs, mine, StringComparison.Ordinal);
        var atMyUpload = theirUrl.Replace(Uri.EscapeDataString(theirS3Id), Uri.EscapeDataString(myS3Id), StringComparison.Ordinal);
        Assert.NotEqual(theirUrl, atMyKey);
        Assert.NotEqual(theirUrl, atMyUpload);
        Assert.Equal(HttpStatusCode.Forbidden, (await PutPartAsync(atMyKey, Part(file, 1))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PutPartAsync(atMyUpload, Part(file, 1))).StatusCode);
        Assert.Empty((await admin.ListPartsAsync(new ListPartsRequest { BucketName = fixture.Storage.Bucket, Key = myKey, UploadId = myS3Id })).Parts ?? []);

        // The URL as issued works, and writes only their upload.
        Assert.Equal(HttpStatusCode.OK, (await PutPartAsync(theirUrl, Part(file, 1))).StatusCode);
        Assert.Single((await admin.ListPartsAsync(new ListPartsRequest { BucketName = fixture.Storage.Bucket, Key = theirKey, UploadId = theirS3Id })).Parts ?? []);
    }

    [Fact]
    public async Task Bad_part_requests_get_clear_4xx_answers_and_change_nothing()
    {
        var (client, session) = await SignedInAsync();
        using var owned = client;
        var upload = await CreateMultipartAsync(client, session, (2 * PartSize) + 1);
        var parts = $"/api/sessions/{session}/uploads/{upload}/parts";
        await Problem.AssertAsync(await client.PostAsync(parts, new { partNumbers = Array.Empty<int>() }), HttpStatusCode.BadRequest);
        await Problem.AssertAsync(await client.PostAsync(parts, new { partNumbers = Enumerable.Range(1, 101).ToArray() }), HttpStatusCode.BadRequest);
        await Problem.AssertAsync(await client.PostAsync(parts, new { partNumbers = new[] { 0 } }), HttpStatusCode.BadRequest);
        await Problem.AssertAsync(await client.PostAsync(parts, new { partNumbers = new[] { 4 } }), HttpStatusCode.BadRequest);
        await Problem.AssertAsync(await client.PostAsync(parts, new { partNumbers = new[] { 1, 1 } }), HttpStatusCode.BadRequest);
        await Problem.AssertAsync(await client.PostAsync(parts, new { }), HttpStatusCode.BadRequest);
        await Problem.AssertAsync(await client.SendAsync(HttpMethod.Post, parts, rawBody: "{\"partNumbers\":[\"1\"]}"), HttpStatusCode.BadRequest);

        // Too large for multipart, and an upload that is a single form.
        await Problem.AssertAsync(
            await client.PostAsync($"/api/sessions/{session}/uploads", new { fileName = "huge.csv", contentType = "text/csv", size = (64L * 1024 * 1024) + 1, multipart = true }),
            HttpStatusCode.BadRequest);
        var form = (await client.CreateUploadAsync(session, "small.csv", "text/csv", 10)).GetProperty("uploadId").GetString()!;
        await Problem.AssertAsync(await client.PostAsync($"/api/sessions/{session}/uploads/{form}/parts", new { partNumbers = new[] { 1 } }), HttpStatusCode.Conflict);
        await Problem.AssertAsync(await client.GetAsync($"/api/sessions/{session}/uploads/{form}/parts"), HttpStatusCode.Conflict);

        // Nothing was stored or changed; each refusal has its record.
        var key = UploadKeys.Original(client.UserId!, session, upload);
        Assert.Empty((await admin.ListPartsAsync(new ListPartsRequest { BucketName = fixture.Storage.Bucket, Key = key, UploadId = await S3UploadIdAsync(key) })).Parts ?? []);
        Assert.Equal(UploadStatus.Pending, (await (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var records = await fixture.Records().ByActorAsync(client.UserId!, null, null, 100, null, CancellationToken.None);
        Assert.True(records.Items.Count(r => r.Record is { Action: "upload.parts.sign", Outcome: AccessOutcome.Denied } && r.Record.UploadId == upload) >= 5);
        Assert.Contains(records.Items, r => r.Record is { Action: "upload.parts.list", Outcome: AccessOutcome.Denied, Reason: "not-multipart" } && r.Record.UploadId == form);
    }

    [Fact]
    public async Task A_size_above_the_threshold_is_multipart_without_asking_and_below_it_a_form()
    {
        var (client, session) = await SignedInAsync();
        using var owned = client;
        var big = await client.PostAsync($"/api/sessions/{session}/uploads", new { fileName = "a.csv", contentType = "text/csv", size = 7L * 1024 * 1024 });
        var bigBody = await big.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, bigBody.GetProperty("multipart").GetProperty("partCount").GetInt32());
        var small = await client.CreateUploadAsync(session, "b.csv", "text/csv", 6L * 1024 * 1024);
        Assert.True(small.TryGetProperty("upload", out _));
        Assert.False(small.TryGetProperty("multipart", out _));
        var listed = await (await client.GetAsync($"/api/sessions/{session}/uploads/{bigBody.GetProperty("uploadId").GetString()}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(PartSize, listed.GetProperty("multipart").GetProperty("partSize").GetInt64());
    }

    [Fact]
    public async Task Deleting_a_multipart_upload_or_its_session_aborts_it_in_storage()
    {
        var (client, session) = await SignedInAsync();
        using var owned = client;
        var file = Csv(PartSize + 100, out _);
        var upload = await CreateMultipartAsync(client, session, file.Length);
        var url = (await PartUrlsAsync(client, session, upload, 1))[1];
        Assert.Equal(HttpStatusCode.OK, (await PutPartAsync(url, Part(file, 1))).StatusCode);
        var inSession = await CreateMultipartAsync(client, session, file.Length);

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{session}/uploads/{upload}")).StatusCode);
        var prefix = UploadKeys.SessionPrefix(client.UserId!, session);
        var open = await admin.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = fixture.Storage.Bucket, Prefix = prefix });
        Assert.Equal(new[] { inSession }, (open.MultipartUploads ?? []).Select(u => u.Key.Split('/')[^2]));
        Assert.NotEqual(HttpStatusCode.OK, (await PutPartAsync(url, Part(file, 1))).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{session}")).StatusCode);
        open = await admin.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = fixture.Storage.Bucket, Prefix = prefix });
        Assert.Empty(open.MultipartUploads ?? []);
    }
}
