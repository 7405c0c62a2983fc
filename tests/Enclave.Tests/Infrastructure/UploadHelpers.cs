using System.Net.Http.Json;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;

namespace Enclave.Tests.Infrastructure;

public static class UploadHelpers
{
    public static IAmazonS3 CreateAdminS3(this LocalStack stack) => stack.CreateS3(new BasicAWSCredentials(stack.AccessKey, stack.SecretKey));

    /// <summary>An S3 client for RGW with the settings the app uses there.</summary>
    public static AmazonS3Client CreateS3(this LocalStack stack, AWSCredentials credentials) => new(
        credentials,
        new AmazonS3Config
        {
            ServiceURL = stack.S3Url,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            HttpClientFactory = new OneRequestPerConnection(),
        });

    public static async Task<JsonElement> CreateUploadAsync(this ApiClient client, string sessionId, string fileName, string contentType, long size)
    {
        var response = await client.PostAsync($"/api/sessions/{sessionId}/uploads", new { fileName, contentType, size });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The browser's request: a multipart POST of the returned fields, the file last.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(
        JsonElement upload, byte[] content, string contentType, Func<Dictionary<string, string>, Dictionary<string, string>>? tamper = null)
    {
        using var file = new ByteArrayContent(content);
        return await PostFormAsync(upload, file, contentType, tamper);
    }

    /// <summary>The same request with the file's bytes from any content, e.g. one that streams slowly.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(
        JsonElement upload, HttpContent file, string contentType, Func<Dictionary<string, string>, Dictionary<string, string>>? tamper = null)
    {
        var form = upload.GetProperty("upload");
        var fields = form.GetProperty("fields").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        fields = tamper?.Invoke(fields) ?? fields;
        using var multipart = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            multipart.Add(new StringContent(value), name);
        }

        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        multipart.Add(file, "file", "upload.bin");
        using var http = new HttpClient();
        return await http.PostAsync(form.GetProperty("url").GetString(), multipart);
    }
}
