using System.Net;
using System.Text;
using Amazon.DynamoDBv2.Model;
using Amazon.S3.Model;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

/// <summary>
/// SPEC §5.7: a catalogue of hostile requests over HTTP. Each gets a 4xx problem response and changes
/// nothing: identity and data items and stored objects are counted before and after (access records
/// are meant to grow: refusals are recorded).
/// </summary>
public sealed class HostileInputTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private const string Json = "application/json";

    public static TheoryData<string, string, string, string?, string, int> Cases()
    {
        var data = new TheoryData<string, string, string, string?, string, int>();
        void Add(string name, string method, string path, string? body, int status, string type = Json) => data.Add(name, method, path, body, type, status);
        var longText = new string('x', 70_000);

        // Malformed and wrongly typed JSON, on an anonymous route and on signed-in routes.
        foreach (var (route, method) in new[] { ("/api/auth/register", "POST"), ("/api/sessions", "POST"), ("/api/sessions/{s}", "PATCH") })
        {
            Add($"{route} truncated", method, route, "{\"name\":", 400);
            Add($"{route} not json", method, route, "name=x", 400);
            Add($"{route} array", method, route, "[1,2]", 400);
            Add($"{route} string", method, route, "\"x\"", 400);
            Add($"{route} number for string", method, route, "{\"name\":5,\"email\":5,\"password\":5}", 400);
            Add($"{route} duplicate keys", method, route, "{\"name\":\"a\",\"name\":\"b\"}", 400);
            Add($"{route} unknown member", method, route, "{\"name\":\"a\",\"ownerId\":\"x\"}", 400);
            Add($"{route} trailing comma", method, route, "{\"name\":\"a\",}", 400);
            Add($"{route} comment", method, route, "{/*x*/\"name\":\"a\"}", 400);
            Add($"{route} oversized", method, route, "{\"name\":\"" + longText + "\"}", 413);
            Add($"{route} wrong content type", method, route, "{\"name\":\"a\"}", 415, "text/plain");
            Add($"{route} form content type", method, route, "name=a", 415, "application/x-www-form-urlencoded");
        }

        Add("register empty object", "POST", "/api/auth/register", "{}", 400);
        Add("register short password", "POST", "/api/auth/register", "{\"email\":\"a@b.cd\",\"password\":\"short\"}", 400);
        Add("register common password", "POST", "/api/auth/register", "{\"email\":\"a@b.cd\",\"password\":\"password1234\"}", 400);
        Add("register huge password", "POST", "/api/auth/register", "{\"email\":\"a@b.cd\",\"password\":\"" + new string('p', 5000) + "\"}", 400);
        Add("register email with newline", "POST", "/api/auth/register", "{\"email\":\"a\\n@b.cd\",\"password\":\"glacier pencil orbit 42\"}", 400);
        Add("login email of 3,000 characters", "POST", "/api/auth/login", "{\"email\":\"" + new string('e', 3000) + "@b.cd\",\"password\":\"glacier pencil orbit 42\"}", 401);
        Add("login malformed email of 3,000 characters", "POST", "/api/auth/login", "{\"email\":\"" + new string('e', 3000) + "\",\"password\":\"glacier pencil orbit 42\"}", 401);
        Add("register body in iso-8859-1", "POST", "/api/auth/register", "{\"email\":\"a@b.cd\",\"password\":\"glacier pencil orbit 42\"}", 415, "application/json; charset=iso-8859-1");
        Add("session body in utf-16", "POST", "/api/sessions", "{\"name\":\"a\"}", 415, "application/json; charset=utf-16");
        Add("login missing password", "POST", "/api/auth/login", "{\"email\":\"a@b.cd\"}", 400);
        Add("session name control char", "POST", "/api/sessions", "{\"name\":\"a\\u0007b\"}", 400);
        Add("session name too long", "POST", "/api/sessions", "{\"name\":\"" + new string('n', 101) + "\"}", 400);
        Add("session name lone surrogate", "POST", "/api/sessions", "{\"name\":\"a\\ud800b\"}", 400);

        // One-time tokens and account bodies: malformed, overlong or of the wrong type, all refused before any lookup.
        foreach (var route in new[] { "/api/auth/verify-email", "/api/auth/password-reset" })
        {
            foreach (var (what, token) in new[]
                     {
                         ("empty", "\"\""), ("null", "null"), ("number", "5"), ("array", "[\"a\"]"), ("overlong", "\"" + new string('A', 5000) + "\""),
                         ("one character short", "\"" + new string('A', 42) + "\""), ("not base64url", "\"" + new string('*', 43) + "\""),
                         ("well-formed but unknown", "\"" + new string('A', 43) + "\""), ("with a NUL", "\"" + new string('A', 42) + "\\u0000\""),
                     })
            {
                Add($"{route} token {what}", "POST", route, $"{{\"token\":{token},\"password\":\"glacier pencil orbit 42\"}}", 400);
            }
        }

        Add("change password without the current one", "POST", "/api/auth/password", "{\"newPassword\":\"glacier pencil orbit 42\"}", 400);
        Add("change password to a huge one", "POST", "/api/auth/password", "{\"currentPassword\":\"x\",\"newPassword\":\"" + new string('p', 5000) + "\"}", 400);
        Add("change password wrong type", "POST", "/api/auth/password", "{\"currentPassword\":5,\"newPassword\":[1]}", 400);
        Add("delete account without a body", "DELETE", "/api/me", null, 400);
        Add("delete account wrong password", "DELETE", "/api/me", "{\"password\":\"not the password at all\"}", 400);
        Add("delete account huge password", "DELETE", "/api/me", "{\"password\":\"" + new string('p', 5000) + "\"}", 400);

        // Ids and paths: anything but the strict id shape is simply not found, without touching storage.
        foreach (var id in new[] { "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "01A209EC-FC1B-72C7-A707-98127DB8F8E9", "6f1c1f4e-0c49-4c1e-9d0a-8a1a4e0f0b1c",
                     "00000000-0000-0000-0000-000000000000", new string('a', 300), "{s}%20", "{s};x" })
        {
            Add($"session id {id[..Math.Min(12, id.Length)]}", "GET", "/api/sessions/" + id, null, 404);
        }

        Add("upload id traversal", "GET", "/api/sessions/{s}/uploads/..%2F..%2F{s}", null, 404);
        Add("upload id of wrong shape", "DELETE", "/api/sessions/{s}/uploads/abc", null, 404);

        // Upload requests: names, types and sizes.
        foreach (var (fileName, contentType, size) in new[]
                 {
                     ("../../x.csv", "text/csv", "10"), ("a/b.csv", "text/csv", "10"), ("a\\\\b.csv", "text/csv", "10"), ("C:x.csv", "text/csv", "10"),
                     ("x.csv\\u0000.exe", "text/csv", "10"), ("x.exe", "application/octet-stream", "10"), ("x.csv", "text/html", "10"),
                     ("x.zip", "text/csv", "10"), ("x.csv", "text/csv", "0"), ("x.csv", "text/csv", "-5"), ("x.csv", "text/csv", "99999999999999"),
                     ("x.csv", "text/csv", "\"10\""), ("", "text/csv", "10"), (" x.csv", "text/csv", "10"),
                     ("x.gz", "application/gzip", "10"), ("x.tar.gz", "application/gzip", "10"), ("x.csv.gz", "text/csv", "10"),
                     ("x.csv", "application/gzip", "10"),
                 })
        {
            Add($"upload {fileName} {contentType} {size}", "POST", "/api/sessions/{s}/uploads",
                $"{{\"fileName\":\"{fileName}\",\"contentType\":\"{contentType}\",\"size\":{size}}}", 400);
        }

        // Query strings.
        Add("limit zero", "GET", "/api/sessions?limit=0", null, 400);
        Add("limit huge", "GET", "/api/sessions?limit=100000000000", null, 400);
        Add("limit text", "GET", "/api/sessions?limit=ten", null, 400);
        Add("forged cursor", "GET", "/api/sessions?cursor=VVNFUiMxMjM", null, 400);
        Add("huge cursor", "GET", "/api/sessions?cursor=" + new string('A', 500), null, 400);
        Add("upload list forged cursor", "GET", "/api/sessions/{s}/uploads?cursor=Li4vLi4v", null, 400);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_request_gets_a_4xx_problem_and_changes_nothing(string name, string method, string path, string? body, string contentType, int status)
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync("target");
        var before = await SnapshotAsync(client.UserId!);

        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{s}", session, StringComparison.Ordinal));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        request.Headers.Add("Cookie", $"{ApiClient.CookieName}={client.Cookie}");
        request.Headers.Add("X-CSRF-Token", client.CsrfToken);
        var response = await client.Http.SendAsync(request);
        Assert.True((int)response.StatusCode == status, $"{name}: {(int)response.StatusCode}");
        await Problem.AssertAsync(response, (HttpStatusCode)status);
        Assert.Equal(before, await SnapshotAsync(client.UserId!));
    }

    private async Task<(int Identity, int Data, int Objects)> SnapshotAsync(string userId)
    {
        var identity = await fixture.Dynamo.ScanAsync(new ScanRequest
        {
            TableName = fixture.Storage.IdentityTable,
            Select = Amazon.DynamoDBv2.Select.COUNT,
            FilterExpression = "NOT begins_with(pk, :throttle)",
            ExpressionAttributeValues = new() { [":throttle"] = Core.Storage.Attr.S("THROTTLE#") }
        });
        var data = await fixture.Dynamo.ScanAsync(new ScanRequest { TableName = fixture.Storage.DataTable, Select = Amazon.DynamoDBv2.Select.COUNT });
        using var s3 = fixture.Stack.CreateAdminS3();
        var objects = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = fixture.Storage.Bucket, Prefix = "users/" });
        return (identity.Count ?? 0, data.Count ?? 0, objects.S3Objects?.Count ?? 0);
    }
}
