namespace Enclave.Benchmarks;

/// <summary>The local servers from a stack.env, and the Local-mode settings that point an API process at them.</summary>
internal sealed record Stack(string DynamoDbUrl, string S3Url, string AccessKey, string SecretKey, string UserDataRoleArn, string StateDir, string MailPort, string MailDir)
{
    public static Stack Load(string envFile)
    {
        var values = File.ReadAllLines(envFile)
            .Select(line => line.StartsWith("export ", StringComparison.Ordinal) ? line[7..] : line)
            .Where(line => line.Contains('=', StringComparison.Ordinal))
            .Select(line => line.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1].Trim('"'), StringComparer.Ordinal);
        return new Stack(values["DYNAMODB_URL"], values["S3_URL"], values["S3_ACCESS_KEY"], values["S3_SECRET_KEY"], values["USER_DATA_ROLE_ARN"], Path.GetDirectoryName(envFile)!,
            values["MAIL_PORT"], values["MAIL_DIR"]);
    }

    public Dictionary<string, string> ApiSettings(string prefix) => new(StringComparer.Ordinal)
    {
        ["AWS_ACCESS_KEY_ID"] = AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
        ["AWS_REGION"] = "us-east-1",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["Enclave__Mode"] = "Local",
        ["Enclave__Secrets__LocalFile"] = Path.Combine(StateDir, prefix + "-secrets.json"),
        ["Enclave__Storage__IdentityTable"] = prefix + "-identity",
        ["Enclave__Storage__DataTable"] = prefix + "-data",
        ["Enclave__Storage__AuditTable"] = prefix + "-audit",
        ["Enclave__Storage__UploadBucket"] = prefix + "-uploads",
        ["Enclave__Storage__DynamoDbServiceUrl"] = DynamoDbUrl,
        ["Enclave__Storage__S3ServiceUrl"] = S3Url,
        ["Enclave__Storage__S3ForcePathStyle"] = "true",
        ["Enclave__Storage__S3ChecksumWhenRequired"] = "true",
        ["Enclave__Storage__S3PresignOverHttp"] = "true",
        ["Enclave__UserData__RoleArn"] = UserDataRoleArn,
        ["Enclave__UserData__StsServiceUrl"] = S3Url,
        ["Enclave__UserData__PolicyScope"] = "S3Only",
        ["Enclave__UserData__UploadFormSigner"] = "HostCredentials",
        ["Enclave__Mail__SmtpHost"] = "127.0.0.1",
        ["Enclave__Mail__SmtpPort"] = MailPort,
        ["Enclave__Mail__RequireStartTls"] = "false",
        ["Enclave__Mail__Sender"] = "enclave@example.com",
        ["Enclave__Mail__SiteOrigin"] = "http://127.0.0.1:9",
        ["Enclave__Limits__LoginFailuresPerAccount"] = "1000",
        ["Enclave__Limits__LoginAttemptsPerClientIp"] = "100000",
        ["Enclave__Limits__RegistrationsPerClientIp"] = "100000",
    };
}

/// <summary>Registration as a user meets it: register, read the link from the local mail sink, verify.</summary>
internal static class VerifiedAccount
{
    public static async Task RegisterAsync(HttpClient http, Stack stack, object credentials, string email, Func<HttpRequestMessage, Task<HttpResponseMessage>>? send = null)
    {
        send ??= http.SendAsync;
        using var registered = await send(new HttpRequestMessage(HttpMethod.Post, "/api/auth/register") { Content = System.Net.Http.Json.JsonContent.Create(credentials) });
        registered.EnsureSuccessStatusCode();
        var token = await new Tests.Infrastructure.Mailbox(stack.MailDir).WaitForTokenAsync(email);
        using var verified = await send(new HttpRequestMessage(HttpMethod.Post, "/api/auth/verify-email") { Content = System.Net.Http.Json.JsonContent.Create(new { token }) });
        verified.EnsureSuccessStatusCode();
    }
}
