using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

/// <summary>Outside Local mode the service refuses to start without real secrets, and says why.</summary>
public sealed class StartupTests
{
    private static async Task<Dictionary<string, string>> BaseSettingsAsync()
    {
        var stack = await LocalStack.GetAsync();
        return ApiProcess.Settings(stack, TestStorage.Create());
    }

    /// <summary>AWS mode with secret names, an SSM endpoint nothing answers on, and none of the Local allowances.</summary>
    private static async Task<Dictionary<string, string>> AwsSettingsWithUnreachableSecretStoreAsync()
    {
        var settings = await BaseSettingsAsync();
        settings["Enclave__Mode"] = "Aws";
        settings.Remove("Enclave__Secrets__LocalFile");
        settings["Enclave__Secrets__CookieKeyName"] = "enclave/cookie";
        settings["Enclave__Secrets__AuditKeyName"] = "enclave/audit";
        settings["Enclave__ClientAddress"] = "ApiGatewaySourceIp";
        settings["AWS_ENDPOINT_URL_SSM"] = "http://127.0.0.1:9";
        settings.Remove("Enclave__UserData__PolicyScope");
        settings.Remove("Enclave__UserData__UploadFormSigner");
        return settings;
    }

    [Fact]
    public async Task Aws_mode_without_secret_names_refuses_to_start()
    {
        var settings = await BaseSettingsAsync();
        settings["Enclave__Mode"] = "Aws";
        settings["Enclave__ClientAddress"] = "ApiGatewaySourceIp";
        settings.Remove("Enclave__Secrets__LocalFile");
        var (exitCode, output) = await ApiProcess.RunToExitAsync(settings);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("Start-up refused", output, StringComparison.Ordinal);
        Assert.Contains("CookieKeyName", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aws_mode_with_an_unreachable_secret_store_refuses_to_start()
    {
        var settings = await AwsSettingsWithUnreachableSecretStoreAsync();
        settings["Enclave__Mail__CredentialsSecretName"] = "enclave/smtp-credentials";
        settings["Enclave__Mail__SiteOrigin"] = "https://enclave.example.com";
        settings.Remove("Enclave__Mail__RequireStartTls");
        var (exitCode, output) = await ApiProcess.RunToExitAsync(settings);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("Start-up refused", output, StringComparison.Ordinal);
        Assert.Contains("secret store", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aws_mode_without_mail_settings_refuses_to_start_and_names_them()
    {
        var settings = await AwsSettingsWithUnreachableSecretStoreAsync();
        foreach (var key in settings.Keys.Where(k => k.StartsWith("Enclave__Mail__", StringComparison.Ordinal)).ToList())
        {
            settings.Remove(key);
        }

        var (exitCode, output) = await ApiProcess.RunToExitAsync(settings);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("Start-up refused", output, StringComparison.Ordinal);
        Assert.Contains("Enclave:Mail:SmtpHost", output, StringComparison.Ordinal);
        Assert.Contains("Enclave:Mail:CredentialsSecretName", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Enclave__UserData__PolicyScope", "Enclave:UserData:PolicyScope must be Full")]
    [InlineData("Enclave__UserData__UploadFormSigner", "Enclave:UserData:UploadFormSigner must be ScopedCredentials")]
    public async Task Aws_mode_refuses_the_local_emulator_allowances(string allowance, string message)
    {
        var settings = await BaseSettingsAsync();
        settings["Enclave__Mode"] = "Aws";
        settings.Remove("Enclave__Secrets__LocalFile");
        settings["Enclave__Secrets__CookieKeyName"] = "enclave/cookie";
        settings["Enclave__Secrets__AuditKeyName"] = "enclave/audit";
        settings["Enclave__ClientAddress"] = "ApiGatewaySourceIp";
        settings.Remove(allowance == "Enclave__UserData__PolicyScope" ? "Enclave__UserData__UploadFormSigner" : "Enclave__UserData__PolicyScope");
        var (exitCode, output) = await ApiProcess.RunToExitAsync(settings);
        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Peer", null, "Enclave:ClientAddress=Peer is only allowed in Local mode")]
    [InlineData("CloudFrontViewerAddress", null, "needs Enclave:OriginSecretName outside Local mode")]
    public async Task Aws_mode_refuses_a_client_address_a_caller_could_choose(string source, string? originSecret, string message)
    {
        var settings = await BaseSettingsAsync();
        settings["Enclave__Mode"] = "Aws";
        settings.Remove("Enclave__Secrets__LocalFile");
        settings["Enclave__Secrets__CookieKeyName"] = "enclave/cookie";
        settings["Enclave__Secrets__AuditKeyName"] = "enclave/audit";
        settings["Enclave__ClientAddress"] = source;
        if (originSecret is not null)
        {
            settings["Enclave__OriginSecretName"] = originSecret;
        }

        var (exitCode, output) = await ApiProcess.RunToExitAsync(settings);
        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_origin_secret_refuses_to_start()
    {
        var settings = await BaseSettingsAsync();
        settings["Enclave__ClientAddress"] = "CloudFrontViewerAddress";
        settings["Enclave__OriginSecretName"] = "enclave/origin-verify";
        var (exitCode, output) = await ApiProcess.RunToExitAsync(settings);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("Start-up refused", output, StringComparison.Ordinal);
        Assert.Contains("enclave/origin-verify", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_user_data_role_refuses_to_start()
    {
        var settings = await BaseSettingsAsync();
        settings.Remove("Enclave__UserData__RoleArn");
        var (exitCode, output) = await ApiProcess.RunToExitAsync(settings);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("RoleArn", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_mode_refuses_to_start()
    {
        var settings = await BaseSettingsAsync();
        settings.Remove("Enclave__Mode");
        var (exitCode, output) = await ApiProcess.RunToExitAsync(settings);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("Enclave:Mode", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_mode_generates_its_secrets_into_a_private_file_and_says_so()
    {
        var stack = await LocalStack.GetAsync();
        var storage = TestStorage.Create();
        await using var api = await ApiProcess.StartAsync(ApiProcess.Settings(stack, storage));
        var file = Path.Combine(stack.StateDir, storage.Prefix + "-secrets.json");
        Assert.True(File.Exists(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Contains(api.Lines, l => l.Contains("generated random development secrets", StringComparison.Ordinal));
        var secrets = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement;
        foreach (var secret in secrets.EnumerateObject())
        {
            Assert.DoesNotContain(api.Lines, l => l.Contains(secret.Value.GetString()!, StringComparison.Ordinal));
        }
    }
}
