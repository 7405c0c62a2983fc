using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

using Amazon.S3;

using Enclave.Core.Uploads;
using Enclave.Tests.Infrastructure;

using Xunit.Abstractions;

namespace Enclave.Tests.Faults;

/// <summary>
/// The S3 server (radosgw) killed in the middle of a browser's presigned POST and while the API needs it: the API
/// answers 503 promptly where it needs storage, keeps working where it only signs, leaves no partial object, and
/// finishes interrupted work once the gateway is back.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class S3FaultTests(FaultStack faults, ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds((FaultStack.AwsTimeoutSeconds * 2) + 8);

    [Fact]
    public async Task Storage_killed_mid_upload_gives_bounded_503s_no_partial_object_and_interrupted_work_completes_after_restart()
    {
        var total = Stopwatch.StartNew();
        var storage = TestStorage.Create();
        await using var api = await faults.StartApiAsync(storage);
        using var client = await api.CreateClient().RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync();
        var small = Csv(1_000);
        var (kept, _) = await UploadAsync(client, session, "kept.csv", small);
        var (doomed, _) = await UploadAsync(client, session, "doomed.csv", small);

        var large = Csv(4 << 20);
        var interrupted = await client.CreateUploadAsync(session, "large.csv", "text/csv", large.Length);
        var interruptedId = interrupted.GetProperty("uploadId").GetString()!;
        using var body = new SlowContent(large, 64 << 10, TimeSpan.FromMilliseconds(20), signalAfterBytes: 1 << 20);
        var post = UploadHelpers.PostFormAsync(interrupted, body, "text/csv");
        await body.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        await faults.SignalAsync("rgw", "KILL");
        var browser = await Record.ExceptionAsync(() => post);
        output.WriteLine($"browser's POST after the kill: {browser?.GetType().Name ?? "answered"}");
        Assert.True(browser is HttpRequestException or IOException || (await post).StatusCode >= HttpStatusCode.InternalServerError);

        var probe = new OutageProbe(output, Bound);
        await probe.ExpectUnavailableAsync("complete (HEAD)", () => client.PostAsync(UploadPath(session, interruptedId) + "/complete"));
        await probe.ExpectUnavailableAsync("delete upload", () => client.SendAsync(HttpMethod.Delete, UploadPath(session, doomed)));
        await probe.ExpectUnavailableAsync("readiness", () => client.GetAsync("/api/health/ready"), retryAfter: false);

        // Signing happens in the API process: no storage call, so no outage.
        var link = await probe.TimeAsync("download link", () => client.GetAsync(UploadPath(session, kept) + "/download"));
        Assert.Equal(HttpStatusCode.OK, link.StatusCode);
        var form = await probe.TimeAsync("create upload", () => client.PostAsync($"/api/sessions/{session}/uploads", new { fileName = "later.csv", contentType = "text/csv", size = small.Length }));
        Assert.Equal(HttpStatusCode.Created, form.StatusCode);
        probe.Summarize("radosgw killed");

        var restart = Stopwatch.StartNew();
        await faults.Stack.RestartAsync("s3");
        output.WriteLine($"restart-s3 took {restart.ElapsedMilliseconds} ms");

        // Nothing of the interrupted POST was stored: the upload is still waiting for its file.
        using var s3 = faults.S3();
        var recovery = Stopwatch.StartNew();
        await Problem.AssertAsync(await client.PostAsync(UploadPath(session, interruptedId) + "/complete"), HttpStatusCode.Conflict);
        output.WriteLine($"first complete after restart: 409 (no file) in {recovery.ElapsedMilliseconds} ms");
        await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync(storage.Bucket, UploadKeys.Original(client.UserId!, session, interruptedId)));

        // The delete left the upload "deleting" (invisible); repeating it finishes the job.
        await Problem.AssertAsync(await client.GetAsync(UploadPath(session, doomed)), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, UploadPath(session, doomed))).StatusCode);

        // The browser retries its form, which is still valid, and the upload completes.
        var retried = await UploadHelpers.PostFormAsync(interrupted, large, "text/csv");
        Assert.Equal(HttpStatusCode.NoContent, retried.StatusCode);
        var completed = await client.PostAsync(UploadPath(session, interruptedId) + "/complete");
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.Equal("uploaded", (await completed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var download = await (await client.GetAsync(UploadPath(session, kept) + "/download")).Content.ReadFromJsonAsync<JsonElement>();
        using var http = new HttpClient();
        Assert.Equal(small, await http.GetByteArrayAsync(download.GetProperty("url").GetString()));

        using var dynamo = faults.Dynamo();
        var report = await StorageInvariants.AssertHoldAsync(dynamo, s3, storage);
        output.WriteLine("invariants: " + report);
        Assert.Equal(2, report.Objects); // kept and large; nothing of doomed
        output.WriteLine($"wall time {total.Elapsed.TotalSeconds:F1} s");
    }

    private static string UploadPath(string session, string upload) => $"/api/sessions/{session}/uploads/{upload}";

    private static async Task<(string UploadId, JsonElement Form)> UploadAsync(ApiClient client, string session, string name, byte[] content)
    {
        var created = await client.CreateUploadAsync(session, name, "text/csv", content.Length);
        var uploadId = created.GetProperty("uploadId").GetString()!;
        Assert.Equal(HttpStatusCode.NoContent, (await UploadHelpers.PostFormAsync(created, content, "text/csv")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(UploadPath(session, uploadId) + "/complete")).StatusCode);
        return (uploadId, created);
    }

    private static byte[] Csv(int bytes)
    {
        var text = new StringBuilder("id,marker\n");
        for (var row = 0; text.Length < bytes; row++)
        {
            text.Append(row).Append(",m-").Append(row % 977).Append('\n');
        }

        return Encoding.ASCII.GetBytes(text.ToString(0, bytes - 1) + "\n");
    }
}
