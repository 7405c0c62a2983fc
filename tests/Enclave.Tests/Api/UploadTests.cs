using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Enclave.Core.Uploads;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

public sealed class UploadTests(ApiFixture fixture) : IClassFixture<ApiFixture>, IDisposable
{
    private readonly IAmazonS3 admin = fixture.Stack.CreateAdminS3();

    public void Dispose() => admin.Dispose();

    private static byte[] Csv(string marker) => Encoding.UTF8.GetBytes($"id,name,score\n1,{marker},3.5\n2,b,4\n");

    private async Task<(ApiClient Client, string Session)> SignedInWithSessionAsync()
    {
        var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        return (client, await client.CreateSessionAsync("uploads"));
    }

    [Fact]
    public async Task A_browser_form_post_is_accepted_by_storage_and_completes_then_downloads_the_same_bytes()
    {
        var (client, session) = await SignedInWithSessionAsync();
        using var owned = client;
        var content = Csv("marker-" + Guid.NewGuid());
        var created = await client.CreateUploadAsync(session, "Résumé 2026 \"final\".csv", "text/csv", content.Length);
        var uploadId = created.GetProperty("uploadId").GetString()!;
        Assert.InRange((created.GetProperty("expiresAt").GetDateTimeOffset() - DateTimeOffset.UtcNow).TotalMinutes, 14, 15.1);
        var fields = created.GetProperty("upload").GetProperty("fields");
        Assert.Equal(UploadKeys.Original(client.UserId!, session, uploadId), fields.GetProperty("key").GetString());

        var stored = await UploadHelpers.PostFormAsync(created, content, "text/csv");
        Assert.True(stored.IsSuccessStatusCode, await stored.Content.ReadAsStringAsync());

        var completed = await client.PostAsync($"/api/sessions/{session}/uploads/{uploadId}/complete");
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        var upload = await completed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.NotEqual(UploadStatus.Pending, upload.GetProperty("status").GetString());
        Assert.NotEqual(UploadStatus.Rejected, upload.GetProperty("status").GetString());
        Assert.Equal(content.Length, upload.GetProperty("size").GetInt64());
        Assert.Equal("Résumé 2026 \"final\".csv", upload.GetProperty("fileName").GetString());

        var link = await (await client.GetAsync($"/api/sessions/{session}/uploads/{uploadId}/download")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.InRange((link.GetProperty("expiresAt").GetDateTimeOffset() - DateTimeOffset.UtcNow).TotalMinutes, 4, 5.1);
        using var http = new HttpClient();
        var download = await http.GetAsync(link.GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(content, await download.Content.ReadAsByteArrayAsync());
        var disposition = download.Content.Headers.ContentDisposition!.ToString();
        Assert.StartsWith("attachment;", disposition, StringComparison.Ordinal);
        Assert.Contains("filename*=UTF-8''R%C3%A9sum%C3%A9%202026%20%22final%22.csv", disposition, StringComparison.Ordinal);

        var list = await (await client.GetAsync($"/api/sessions/{session}/uploads")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal([uploadId], list.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("uploadId").GetString()));
    }

    [Theory]
    [InlineData("too-large")]
    [InlineData("other-key")]
    [InlineData("other-content-type")]
    [InlineData("tampered-signature")]
    [InlineData("outside-prefix")]
    public async Task Storage_itself_refuses_a_form_that_breaks_the_policy(string tampering)
    {
        var (client, session) = await SignedInWithSessionAsync();
        using var owned = client;
        var content = Csv("x");
        var created = await client.CreateUploadAsync(session, "data.csv", "text/csv", content.Length);
        var key = created.GetProperty("upload").GetProperty("fields").GetProperty("key").GetString()!;
        var (body, type, tamper) = tampering switch
        {
            "too-large" => (content.Concat(new byte[10]).ToArray(), "text/csv", (Func<Dictionary<string, string>, Dictionary<string, string>>?)null),
            "other-key" => (content, "text/csv", f => With(f, "key", key.Replace("original", "other", StringComparison.Ordinal))),
            "other-content-type" => (content, "text/html", f => With(f, "Content-Type", "text/html")),
            "tampered-signature" => (content, "text/csv", f => With(f, f.ContainsKey("x-amz-signature") ? "x-amz-signature" : "signature", new string('0', 64))),
            _ => (content, "text/csv", f => With(f, "key", "users/someone-else/x")),
        };
        var response = await UploadHelpers.PostFormAsync(created, body, type, tamper);
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.Forbidden });
        await Assert.ThrowsAsync<AmazonS3Exception>(() => admin.GetObjectMetadataAsync(fixture.Storage.Bucket, key));
    }

    [Fact]
    public async Task Storage_refuses_an_expired_form()
    {
        var store = new S3ObjectStore(new FixedUserDataClients(admin), Microsoft.Extensions.Options.Options.Create(new Core.Configuration.StorageOptions
        {
            UploadBucket = fixture.Storage.Bucket,
            S3PresignOverHttp = true,
        }));
        var form = await store.CreateUploadFormAsync("users/u/sessions/s/uploads/x/original", "text/csv", 100, DateTimeOffset.UtcNow.AddSeconds(1));
        await Task.Delay(2500);
        var created = JsonDocument.Parse(JsonSerializer.Serialize(new { upload = new { url = form.Url, fields = form.Fields } })).RootElement;
        var response = await UploadHelpers.PostFormAsync(created, Csv("late"), "text/csv");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task The_generated_policy_carries_exactly_the_expected_conditions()
    {
        var store = new S3ObjectStore(new FixedUserDataClients(admin), Microsoft.Extensions.Options.Options.Create(new Core.Configuration.StorageOptions
        {
            UploadBucket = "enclave-uploads",
        }));
        var expires = DateTimeOffset.UtcNow.AddMinutes(15);
        var form = await store.CreateUploadFormAsync("users/u1/sessions/s1/uploads/x1/original", "text/csv", 1234, expires);
        var policy = JsonDocument.Parse(Convert.FromBase64String(form.Fields["Policy"])).RootElement;
        Assert.InRange((policy.GetProperty("expiration").GetDateTimeOffset() - expires).Duration().TotalSeconds, 0, 1);
        var conditions = policy.GetProperty("conditions").EnumerateArray().Select(c => c.ToString()).ToHashSet();
        Assert.Contains("{\"bucket\":\"enclave-uploads\"}", conditions);
        Assert.Contains("{\"key\":\"users/u1/sessions/s1/uploads/x1/original\"}", conditions);
        Assert.Contains("{\"Content-Type\":\"text/csv\"}", conditions);
        Assert.Contains("[\"content-length-range\",1,1234]", conditions.Select(c => c.Replace(" ", "", StringComparison.Ordinal)));
        Assert.DoesNotContain(conditions, c => c.Contains("starts-with", StringComparison.Ordinal));
        var signing = new[] { "x-amz-credential", "x-amz-algorithm", "x-amz-date", "x-amz-security-token" };
        Assert.Equal(4, conditions.Count(c => !signing.Any(s => c.Contains(s, StringComparison.Ordinal))));
        Assert.Equal("text/csv", form.Fields["Content-Type"]);
        Assert.Equal("users/u1/sessions/s1/uploads/x1/original", form.Fields["key"]);
    }

    [Theory]
    [InlineData("oversize")]
    [InlineData("wrong-type")]
    [InlineData("empty")]
    public async Task Complete_rejects_an_object_placed_around_the_policy_and_deletes_it(string problem)
    {
        var (client, session) = await SignedInWithSessionAsync();
        using var owned = client;
        var created = await client.CreateUploadAsync(session, "data.csv", "text/csv", 10);
        var uploadId = created.GetProperty("uploadId").GetString()!;
        var key = UploadKeys.Original(client.UserId!, session, uploadId);
        var (text, type) = problem switch
        {
            "oversize" => (new string('x', 20), "text/csv"),
            "wrong-type" => ("1234567890", "text/html"),
            _ => ("", "text/csv"),
        };
        await admin.PutObjectAsync(new PutObjectRequest { BucketName = fixture.Storage.Bucket, Key = key, ContentBody = text, ContentType = type });

        var completed = await client.PostAsync($"/api/sessions/{session}/uploads/{uploadId}/complete");
        var upload = await completed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(UploadStatus.Rejected, upload.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(upload.GetProperty("reason").GetString()));
        await Assert.ThrowsAsync<AmazonS3Exception>(() => admin.GetObjectMetadataAsync(fixture.Storage.Bucket, key));
        await Problem.AssertAsync(await client.GetAsync($"/api/sessions/{session}/uploads/{uploadId}/download"), HttpStatusCode.Conflict);

        var records = await fixture.Records().ByActorAsync(client.UserId!, null, null, 50, null, CancellationToken.None);
        Assert.Contains(records.Items, r => r.Record.Action == "upload.complete" && r.Record.Outcome == Core.Audit.AccessOutcome.Denied && r.Record.UploadId == uploadId);
    }

    [Fact]
    public async Task Complete_does_not_take_an_object_at_another_key()
    {
        var (client, session) = await SignedInWithSessionAsync();
        using var owned = client;
        var created = await client.CreateUploadAsync(session, "data.csv", "text/csv", 10);
        var uploadId = created.GetProperty("uploadId").GetString()!;
        await admin.PutObjectAsync(new PutObjectRequest
        {
            BucketName = fixture.Storage.Bucket,
            Key = UploadKeys.Original(client.UserId!, session, uploadId) + "-elsewhere",
            ContentBody = "1234567890",
            ContentType = "text/csv",
        });
        await Problem.AssertAsync(await client.PostAsync($"/api/sessions/{session}/uploads/{uploadId}/complete"), HttpStatusCode.Conflict);
        var upload = await (await client.GetAsync($"/api/sessions/{session}/uploads/{uploadId}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(UploadStatus.Pending, upload.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("../../etc/passwd.csv", "text/csv", 10L, "fileName")]
    [InlineData("a/b.csv", "text/csv", 10L, "fileName")]
    [InlineData("evil\u0000.csv", "text/csv", 10L, "fileName")]
    [InlineData("program.exe", "application/octet-stream", 10L, "fileName")]
    [InlineData("data.csv", "text/html", 10L, "contentType")]
    [InlineData("data.csv", "text/csv", 0L, "size")]
    [InlineData("data.csv", "text/csv", 5368709121L, "size")]
    public async Task Bad_upload_requests_get_field_errors_and_create_nothing(string fileName, string contentType, long size, string field)
    {
        var (client, session) = await SignedInWithSessionAsync();
        using var owned = client;
        var response = await client.PostAsync($"/api/sessions/{session}/uploads", new { fileName, contentType, size });
        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
        var list = await (await client.GetAsync($"/api/sessions/{session}/uploads")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(list.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Deleting_an_upload_and_a_session_removes_their_objects_and_items()
    {
        var (client, session) = await SignedInWithSessionAsync();
        using var owned = client;
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var content = Csv("row" + i);
            var created = await client.CreateUploadAsync(session, $"f{i}.csv", "text/csv", content.Length);
            Assert.True((await UploadHelpers.PostFormAsync(created, content, "text/csv")).IsSuccessStatusCode);
            ids.Add(created.GetProperty("uploadId").GetString()!);
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/sessions/{session}/uploads/{ids[^1]}/complete")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{session}/uploads/{ids[0]}")).StatusCode);
        await Problem.AssertAsync(await client.GetAsync($"/api/sessions/{session}/uploads/{ids[0]}"), HttpStatusCode.NotFound);
        var prefix = UploadKeys.SessionPrefix(client.UserId!, session);
        var objects = await admin.ListObjectsV2Async(new ListObjectsV2Request { BucketName = fixture.Storage.Bucket, Prefix = prefix });
        Assert.DoesNotContain(objects.S3Objects ?? [], o => o.Key.Contains(ids[0], StringComparison.Ordinal));
        Assert.Equal(2, (objects.S3Objects ?? []).Count);

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{session}")).StatusCode);
        objects = await admin.ListObjectsV2Async(new ListObjectsV2Request { BucketName = fixture.Storage.Bucket, Prefix = prefix });
        Assert.Empty(objects.S3Objects ?? []);
        Assert.Empty((await admin.ListVersionsAsync(new ListVersionsRequest { BucketName = fixture.Storage.Bucket, Prefix = prefix })).Versions ?? []);
        var items = await fixture.Dynamo.QueryAsync(new Amazon.DynamoDBv2.Model.QueryRequest
        {
            TableName = fixture.Storage.DataTable,
            KeyConditionExpression = "pk = :pk",
            ExpressionAttributeValues = new() { [":pk"] = Core.Storage.Attr.S("USER#" + client.UserId) },
        });
        // Only tombstones stay (ids and a time, for the sweeper to remove what an old form may still write), and the
        // owner's register of session ids, now without this session.
        var register = Assert.Single(items.Items, i => i["sk"].S == Core.Storage.DataKeys.SessionRegister);
        Assert.False(register.TryGetValue(Core.Sessions.DynamoSessionStore.RegisterIds, out var ids2) && ids2.SS.Contains(session));
        var rest = items.Items.Where(i => i != register).ToList();
        Assert.All(rest, i => Assert.StartsWith("TOMBSTONE#", i["sk"].S, StringComparison.Ordinal));
        Assert.All(rest, i => Assert.Equal(["pk", "sk", "sweepAt", "sweepShard", "ttl"], i.Keys.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task Another_user_gets_the_not_found_answer_on_every_upload_route()
    {
        var (owner, session) = await SignedInWithSessionAsync();
        using var owned = owner;
        var created = await owner.CreateUploadAsync(session, "data.csv", "text/csv", 10);
        var uploadId = created.GetProperty("uploadId").GetString()!;
        using var intruder = fixture.Client();
        await intruder.RegisterAndSignInAsync();
        var missing = Core.Ids.EntityId.New().Value;
        var routes = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Post, $"/api/sessions/{session}/uploads", new { fileName = "x.csv", contentType = "text/csv", size = 5 }),
            (HttpMethod.Get, $"/api/sessions/{session}/uploads", null),
            (HttpMethod.Get, $"/api/sessions/{session}/uploads/{uploadId}", null),
            (HttpMethod.Post, $"/api/sessions/{session}/uploads/{uploadId}/complete", null),
            (HttpMethod.Get, $"/api/sessions/{session}/uploads/{uploadId}/profile", null),
            (HttpMethod.Get, $"/api/sessions/{session}/uploads/{uploadId}/download", null),
            (HttpMethod.Delete, $"/api/sessions/{session}/uploads/{uploadId}", null),
        };
        var reference = await Problem.BodyWithoutRequestIdAsync(await intruder.GetAsync($"/api/sessions/{missing}"));
        foreach (var (method, path, body) in routes)
        {
            var response = await intruder.SendAsync(method, path, body);
            await Problem.AssertAsync(response, HttpStatusCode.NotFound);
            Assert.Equal(reference, await Problem.BodyWithoutRequestIdAsync(response));
        }

        var still = await (await owner.GetAsync($"/api/sessions/{session}/uploads/{uploadId}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(UploadStatus.Pending, still.GetProperty("status").GetString());
    }

    private static Dictionary<string, string> With(Dictionary<string, string> fields, string name, string value)
    {
        var copy = new Dictionary<string, string>(fields, StringComparer.Ordinal);
        var existing = copy.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) ?? name;
        copy[existing] = value;
        return copy;
    }
}
