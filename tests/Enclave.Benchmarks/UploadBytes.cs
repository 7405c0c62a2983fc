using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Enclave.Benchmarks;

/// <summary>
/// Bytes of file content that pass through the API process on upload and download (goal: zero), against
/// the bytes that go straight between the client and storage.
/// </summary>
internal static class UploadBytes
{
    public static async Task PrintAsync(string binary, Stack stack, int megabytes)
    {
        await using var api = ApiRunner.Start(binary, stack.ApiSettings("benchbytes"));
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        await api.WaitHealthyAsync();

        long apiBytes = 0;
        async Task<HttpResponseMessage> Send(HttpRequestMessage request)
        {
            apiBytes += request.Content is null ? 0 : (await request.Content.ReadAsByteArrayAsync()).Length;
            var response = await http.SendAsync(request);
            apiBytes += (await response.Content.ReadAsByteArrayAsync()).Length;
            return response;
        }

        var credentials = new { email = $"bytes-{Guid.NewGuid():N}@example.com", password = "bench passphrase 12345" };
        await VerifiedAccount.RegisterAsync(http, stack, credentials, credentials.email, Send);
        var login = await Send(new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(credentials) });
        var cookie = login.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        var csrf = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrfToken").GetString()!;
        HttpRequestMessage Authed(HttpMethod method, string path, object? body = null)
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add("Cookie", cookie);
            request.Headers.Add("X-CSRF-Token", csrf);
            return request;
        }

        apiBytes = 0;
        var content = Csv(megabytes);
        var session = (await (await Send(Authed(HttpMethod.Post, "/api/sessions", new { name = "bytes" }))).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("sessionId").GetString();
        var created = await (await Send(Authed(HttpMethod.Post, $"/api/sessions/{session}/uploads",
            new { fileName = "big.csv", contentType = "text/csv", size = content.Length }))).Content.ReadFromJsonAsync<JsonElement>();
        var uploadId = created.GetProperty("uploadId").GetString();
        var form = created.GetProperty("upload");
        using var multipart = new MultipartFormDataContent();
        foreach (var field in form.GetProperty("fields").EnumerateObject())
        {
            multipart.Add(new StringContent(field.Value.GetString()!), field.Name);
        }

        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        multipart.Add(file, "file", "big.csv");
        using var storage = new HttpClient();
        var watch = Stopwatch.StartNew();
        (await storage.PostAsync(form.GetProperty("url").GetString(), multipart)).EnsureSuccessStatusCode();
        var uploadSeconds = watch.Elapsed.TotalSeconds;
        await Send(Authed(HttpMethod.Post, $"/api/sessions/{session}/uploads/{uploadId}/complete"));
        var link = await (await Send(Authed(HttpMethod.Get, $"/api/sessions/{session}/uploads/{uploadId}/download"))).Content.ReadFromJsonAsync<JsonElement>();
        watch.Restart();
        var downloaded = await storage.GetByteArrayAsync(link.GetProperty("url").GetString());
        var downloadSeconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"Upload + download of a {megabytes} MiB file: all API request and response bodies together = {apiBytes:N0} bytes " +
                          $"({100.0 * apiBytes / content.Length:0.000}% of the file; file content through the API: {(apiBytes >= content.Length ? "possible" : "none")})");
        Console.WriteLine($"  straight to storage: {content.Length:N0} bytes up in {uploadSeconds:0.00} s, {downloaded.Length:N0} bytes down in {downloadSeconds:0.00} s; " +
                          $"identical: {downloaded.AsSpan().SequenceEqual(content)}");
    }

    private static byte[] Csv(int megabytes)
    {
        var builder = new StringBuilder("id,value,label\n");
        for (var i = 0; builder.Length < megabytes * 1024 * 1024; i++)
        {
            builder.Append(i).Append(',').Append(i * 0.5).Append(",label").Append(i % 17).Append('\n');
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
