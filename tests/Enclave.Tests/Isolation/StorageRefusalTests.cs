using System.Net;
using System.Text;
using System.Text.Json;

using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Isolation;

/// <summary>
/// When storage refuses a user-data call (here: the API assumes a role whose policy denies every S3 action,
/// as IAM would refuse a call outside the user's prefix), the user gets a 503 problem, the upload stays
/// unconfirmed, and the log carries the <c>isolation_violation</c> signal the alarm counts.
/// </summary>
public sealed class StorageRefusalTests
{
    [Fact]
    public async Task A_refused_storage_call_is_a_503_and_an_isolation_violation_log_line()
    {
        var stack = await LocalStack.GetAsync();
        var roleName = "deny-all-" + Guid.NewGuid().ToString("N")[..8];
        var role = await stack.CreateRoleAsync(
            roleName, """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["s3:*"],"Resource":["arn:aws:s3:::*"]}]}""");
        var settings = ApiProcess.Settings(stack, TestStorage.Create());
        settings["Enclave__UserData__RoleArn"] = role;
        await using var api = await ApiProcess.StartAsync(settings);
        using var client = api.CreateClient();
        await client.RegisterAndSignInAsync();
        var sessionId = await client.CreateSessionAsync();
        var content = Encoding.UTF8.GetBytes("a,b\n1,2\n");
        var created = await client.CreateUploadAsync(sessionId, "data.csv", "text/csv", content.Length);
        Assert.True((await UploadHelpers.PostFormAsync(created, content, "text/csv")).IsSuccessStatusCode);
        var uploadId = created.GetProperty("uploadId").GetString();

        var complete = await client.PostAsync($"/api/sessions/{sessionId}/uploads/{uploadId}/complete");

        await Problem.AssertAsync(complete, HttpStatusCode.ServiceUnavailable);
        var upload = await client.GetAsync($"/api/sessions/{sessionId}/uploads/{uploadId}");
        Assert.Equal("pending", JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        var requestId = complete.Headers.GetValues("X-Request-Id").Single();
        var violation = api.Lines
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Single(line => line.TryGetProperty("isolation_violation", out _));
        Assert.Equal(1, violation.GetProperty("isolation_violation").GetInt32());
        Assert.Equal("Critical", violation.GetProperty("level").GetString());
        Assert.Equal(requestId, violation.GetProperty("correlation_id").GetString());
    }
}
