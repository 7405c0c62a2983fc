using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Enclave.Core.Uploads;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

public sealed class ProcessingTests(ProcessorFixture fixture) : IClassFixture<ProcessorFixture>
{
    private async Task<(ApiClient Client, string Session, string Upload)> UploadAsync(string fileName, string contentType, byte[] content)
    {
        var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync("processing");
        var created = await client.CreateUploadAsync(session, fileName, contentType, content.Length);
        Assert.True((await UploadHelpers.PostFormAsync(created, content, contentType)).IsSuccessStatusCode);
        var upload = created.GetProperty("uploadId").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/sessions/{session}/uploads/{upload}/complete")).StatusCode);
        return (client, session, upload);
    }

    public static async Task<JsonElement> WaitSettledAsync(ApiClient client, string session, string upload, ApiProcess? processor = null)
    {
        for (var i = 0; i < 300; i++)
        {
            var state = await (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}")).Content.ReadFromJsonAsync<JsonElement>();
            if (state.GetProperty("status").GetString() is UploadStatus.Ready or UploadStatus.Rejected)
            {
                return state;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The upload was not processed in 30 s. Processor:\n" +
                                   string.Join('\n', processor?.Lines.TakeLast(10) ?? []));
    }

    [Fact]
    public async Task An_uploaded_csv_is_profiled_and_the_profile_is_served_to_its_owner_only()
    {
        var csv = "city,temp,when\nOslo,3.5,2026-01-01\nRome,14,2026-01-02\nOslo,,2026-01-03\nLima,20.5,2026-01-04\n";
        var (client, session, upload) = await UploadAsync("weather.csv", "text/csv", Encoding.UTF8.GetBytes(csv));
        using var owned = client;
        await Problem.AssertAsync(await client.GetAsync($"/api/sessions/{session}/uploads/{Core.Ids.EntityId.New()}/profile"), HttpStatusCode.NotFound);

        var settled = await WaitSettledAsync(client, session, upload, fixture.Processor);
        Assert.Equal(UploadStatus.Ready, settled.GetProperty("status").GetString());
        var profile = await (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}/profile")).Content.ReadFromJsonAsync<JsonElement>();
        var table = Assert.Single(profile.GetProperty("tables").EnumerateArray());
        Assert.Equal(4, table.GetProperty("rowCount").GetInt64());
        var temp = table.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "temp");
        Assert.Equal(1, temp.GetProperty("nullCount").GetInt64());
        Assert.Equal(3.5, temp.GetProperty("min").GetDouble());
        Assert.Equal(20.5, temp.GetProperty("max").GetDouble());
        Assert.Equal(38.0 / 3, temp.GetProperty("mean").GetDouble(), 6);

        using var intruder = fixture.Client();
        await intruder.RegisterAndSignInAsync();
        await Problem.AssertAsync(await intruder.GetAsync($"/api/sessions/{session}/uploads/{upload}/profile"), HttpStatusCode.NotFound);

        var records = await fixture.Records().BySessionAsync(session, null, null, 100, null, CancellationToken.None);
        var processed = Assert.Single(records.Items, r => r.Record.Action == "upload.process");
        Assert.Equal("service:processor", processed.Record.ActorUserId);
        Assert.Equal(client.UserId, processed.Record.SubjectUserId);
    }

    [Fact]
    public async Task A_poison_file_ends_rejected_with_a_reason_and_its_object_deleted()
    {
        var (client, session, upload) = await UploadAsync("bad.csv", "text/csv", Encoding.UTF8.GetBytes("a,b\n1,2,3\n\"unbalanced\n"));
        using var owned = client;
        var settled = await WaitSettledAsync(client, session, upload, fixture.Processor);
        Assert.Equal(UploadStatus.Rejected, settled.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(settled.GetProperty("reason").GetString()));
        await Problem.AssertAsync(await client.GetAsync($"/api/sessions/{session}/uploads/{upload}/profile"), HttpStatusCode.Conflict);
        using var admin = fixture.Stack.CreateAdminS3();
        await Assert.ThrowsAsync<Amazon.S3.AmazonS3Exception>(() => admin.GetObjectMetadataAsync(fixture.Storage.Bucket, UploadKeys.Original(client.UserId!, session, upload)));
    }

    [Fact]
    public async Task Redelivered_events_are_harmless()
    {
        var (client, session, upload) = await UploadAsync("again.csv", "text/csv", Encoding.UTF8.GetBytes("x\n1\n2\n"));
        using var owned = client;
        await WaitSettledAsync(client, session, upload, fixture.Processor);
        var image = $"\"pk\":{{\"S\":\"USER#{client.UserId}\"}},\"sk\":{{\"S\":\"UPLOAD#{session}#{upload}\"}},\"status\":{{\"S\":\"uploaded\"}}";
        var replay = "{\"Records\":[{\"eventName\":\"MODIFY\",\"dynamodb\":{\"NewImage\":{" + image + "},\"SequenceNumber\":\"1\"}}]}";
        using var http = fixture.Processor.CreateHttpClient();
        for (var i = 0; i < 3; i++)
        {
            var response = await http.PostAsync("/events", new StringContent(replay, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Empty((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("batchItemFailures").EnumerateArray());
        }

        var records = await fixture.Records().BySessionAsync(session, null, null, 100, null, CancellationToken.None);
        Assert.Single(records.Items, r => r.Record.Action == "upload.process");
        var state = await (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(UploadStatus.Ready, state.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_zip_of_csv_and_json_lines_is_read_from_storage_by_range_and_profiled_per_entry()
    {
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            await using (var csv = new StreamWriter(zip.CreateEntry("data/a.csv").Open()))
            {
                await csv.WriteAsync("k,v\nx,1\ny,2\n");
            }

            await using (var jsonl = new StreamWriter(zip.CreateEntry("b.jsonl").Open()))
            {
                await jsonl.WriteAsync("{\"n\":1}\n{\"n\":2}\n{\"n\":null}\n");
            }
        }

        var (client, session, upload) = await UploadAsync("bundle.zip", "application/zip", buffer.ToArray());
        using var owned = client;
        var settled = await WaitSettledAsync(client, session, upload, fixture.Processor);
        Assert.Equal(UploadStatus.Ready, settled.GetProperty("status").GetString());
        var profile = await (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}/profile")).Content.ReadFromJsonAsync<JsonElement>();
        var tables = profile.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("rowCount").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["data/a.csv"] = 2, ["b.jsonl"] = 3 }, tables);
    }

    [Fact]
    public async Task A_zip_slip_entry_is_rejected_with_a_reason()
    {
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            await using var entry = new StreamWriter(zip.CreateEntry("../escape.csv").Open());
            await entry.WriteAsync("a\n1\n");
        }

        var (client, session, upload) = await UploadAsync("slip.zip", "application/zip", buffer.ToArray());
        using var owned = client;
        var settled = await WaitSettledAsync(client, session, upload, fixture.Processor);
        Assert.Equal(UploadStatus.Rejected, settled.GetProperty("status").GetString());
        Assert.Contains("'..'", settled.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_does_not_expose_the_event_path()
    {
        using var http = fixture.Api.CreateHttpClient();
        var response = await http.PostAsync("/events", new StringContent("{\"Records\":[]}", Encoding.UTF8, "application/json"));
        await Problem.AssertAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_processor_accepts_a_full_stream_batch_far_above_the_api_body_limit()
    {
        // 100 records with images, as the stream delivers under load; none is a job, so nothing is processed.
        var image = $"{{\"pk\":{{\"S\":\"USER#x\"}},\"sk\":{{\"S\":\"SESSION#y\"}},\"name\":{{\"S\":\"{new string('n', 2000)}\"}}}}";
        var records = Enumerable.Range(0, 100).Select(i =>
            $"{{\"eventName\":\"MODIFY\",\"dynamodb\":{{\"SequenceNumber\":\"{i}\",\"NewImage\":{image},\"OldImage\":{image}}}}}");
        var batch = "{\"Records\":[" + string.Join(',', records) + "]}";
        Assert.True(batch.Length > 4 * Enclave.Functions.Hosting.EnclaveApp.MaxRequestBodyBytes);

        using var http = fixture.Processor.CreateHttpClient();
        var response = await http.PostAsync("/events", new StringContent(batch, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("batchItemFailures").GetArrayLength());
    }
}
