namespace Enclave.Benchmarks;

/// <summary>The local servers from a stack.env, and the Local-mode settings that point an API process at them.</summary>
internal sealed record Stack(string DynamoDbUrl, string S3Url, string AccessKey, string SecretKey, string UserDataRoleArn, string StateDir)
{
    public static Stack Load(string envFile)
    {
        var values = File.ReadAllLines(envFile)
            .Select(line => line.StartsWith("export ", StringComparison.Ordinal) ? line[7..] : line)
            .Where(line => line.Contains('=', StringComparison.Ordinal))
            .Select(line => line.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1].Trim('"'), StringComparer.Ordinal);
        return new Stack(values["DYNAMODB_URL"], values["S3_URL"], values["S3_ACCESS_KEY"], values["S3_SECRET_KEY"], values["USER_DATA_ROLE_ARN"], Path.GetDirectoryName(envFile)!);
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
        ["Enclave__Limits__LoginFailuresPerAccount"] = "1000",
        ["Enclave__Limits__LoginAttemptsPerClientIp"] = "100000",
        ["Enclave__Limits__RegistrationsPerClientIp"] = "100000",
    };
}
