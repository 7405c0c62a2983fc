using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using Enclave.Core.Uploads;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

/// <summary>
/// SPEC §5 invariant 8 on the real RGW: once <c>complete</c> accepted a file, a write through its still-valid form
/// changes neither what is downloaded nor what was profiled.
/// </summary>
public sealed class CheckedBytesTests(ProcessorFixture fixture) : IClassFixture<ProcessorFixture>
{
    [Fact]
    public async Task A_repost_with_the_old_form_after_ready_changes_neither_the_download_nor_the_profile()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync("checked bytes");
        var original = Encoding.UTF8.GetBytes("city,temp\nOslo,3\nRome,14\nLima,20\n");
        var created = await client.CreateUploadAsync(session, "weather.csv", "text/csv", original.Length);
        var upload = created.GetProperty("uploadId").GetString()!;
        Assert.True((await UploadHelpers.PostFormAsync(created, original, "text/csv")).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/sessions/{session}/uploads/{upload}/complete")).StatusCode);
        Assert.Equal(UploadStatus.Ready, (await ProcessingTests.WaitSettledAsync(client, session, upload, fixture.Processor)).GetProperty("status").GetString());
        var profileBefore = await (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}/profile")).Content.ReadAsStringAsync();

        // Same length, so only the pinned version tells the two apart.
        var swapped = Encoding.UTF8.GetBytes("city,temp\nXxxx,9\nYyyy,99\nZzzz,90\n");
        Assert.Equal(original.Length, swapped.Length);
        var repost = await UploadHelpers.PostFormAsync(created, swapped, "text/csv");
        Assert.True(repost.IsSuccessStatusCode, "the form is still valid, so storage takes the write");
        var again = await client.PostAsync($"/api/sessions/{session}/uploads/{upload}/complete");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(UploadStatus.Ready, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        var link = await (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}/download")).Content.ReadFromJsonAsync<JsonElement>();
        using var http = new HttpClient();
        Assert.Equal(original, await http.GetByteArrayAsync(link.GetProperty("url").GetString()));
        Assert.Equal(profileBefore, await (await client.GetAsync($"/api/sessions/{session}/uploads/{upload}/profile")).Content.ReadAsStringAsync());

        // The stray write is a second version of the key; the current one is not what the upload serves.
        using var admin = fixture.Stack.CreateAdminS3();
        var key = UploadKeys.Original(client.UserId!, session, upload);
        var versions = await admin.ListVersionsAsync(new ListVersionsRequest { BucketName = fixture.Storage.Bucket, Prefix = key });
        Assert.Equal(2, versions.Versions.Count(v => v.Key == key));
    }

    [Fact]
    public async Task Deleting_an_upload_removes_every_version_of_its_objects()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync("versions");
        var content = Encoding.UTF8.GetBytes("a,b\n1,2\n");
        var created = await client.CreateUploadAsync(session, "a.csv", "text/csv", content.Length);
        var upload = created.GetProperty("uploadId").GetString()!;
        Assert.True((await UploadHelpers.PostFormAsync(created, content, "text/csv")).IsSuccessStatusCode);
        Assert.True((await UploadHelpers.PostFormAsync(created, content, "text/csv")).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/sessions/{session}/uploads/{upload}/complete")).StatusCode);
        await ProcessingTests.WaitSettledAsync(client, session, upload, fixture.Processor);

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{session}/uploads/{upload}")).StatusCode);

        using var admin = fixture.Stack.CreateAdminS3();
        var versions = await admin.ListVersionsAsync(new ListVersionsRequest
        {
            BucketName = fixture.Storage.Bucket,
            Prefix = UploadKeys.UploadPrefix(client.UserId!, session, upload),
        });
        Assert.Empty(versions.Versions ?? []);
    }
}
