using System.Text.Json.Nodes;

using Amazon.CDK.Assertions;

using Enclave.Core.Storage;

namespace Enclave.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class DataTests(SynthesizedApp synth)
{
    private static Dictionary<string, object> Obj(params (string Key, object Value)[] entries) => entries.ToDictionary(e => e.Key, e => e.Value);

    [Theory]
    [InlineData("enclave-identity")]
    [InlineData("enclave-data")]
    [InlineData("enclave-audit")]
    public void Tables_are_on_demand_with_recovery_deletion_protection_ttl_and_aws_owned_encryption(string name)
    {
        synth.MainTemplate.HasResource("AWS::DynamoDB::Table", Obj(
            ("DeletionPolicy", "Retain"),
            ("Properties", Match.ObjectLike(Obj(
                ("TableName", name),
                ("BillingMode", "PAY_PER_REQUEST"),
                ("DeletionProtectionEnabled", true),
                ("PointInTimeRecoverySpecification", Obj(("PointInTimeRecoveryEnabled", true))),
                ("TimeToLiveSpecification", Obj(("AttributeName", Attr.Ttl), ("Enabled", true))),
                // SSEEnabled false is DynamoDB's AWS-owned key (Data explains the choice).
                ("SSESpecification", Obj(("SSEEnabled", false))),
                ("KeySchema", new object[] { Obj(("AttributeName", Attr.Pk), ("KeyType", "HASH")), Obj(("AttributeName", Attr.Sk), ("KeyType", "RANGE")) }))))));
    }

    [Fact]
    public void Only_the_data_table_streams_and_it_streams_new_images()
    {
        synth.MainTemplate.HasResourceProperties("AWS::DynamoDB::Table", Obj(("TableName", "enclave-data"), ("StreamSpecification", Obj(("StreamViewType", "NEW_IMAGE")))));
        synth.MainTemplate.ResourcePropertiesCountIs("AWS::DynamoDB::Table", Obj(("StreamSpecification", Match.AnyValue())), 1);
    }

    [Fact]
    public void Audit_indexes_match_the_schema_the_app_uses_locally()
    {
        var local = TableSchemas.Audit("enclave-audit");
        var table = synth.Resource(synth.Main.Data.AuditTable)["Properties"]!;
        var indexes = table["GlobalSecondaryIndexes"]!.AsArray();
        Assert.Equal(local.GlobalSecondaryIndexes.Select(i => i.IndexName).Order(), indexes.Select(i => (string)i!["IndexName"]!).Order());
        foreach (var expected in local.GlobalSecondaryIndexes)
        {
            var index = indexes.Single(i => (string)i!["IndexName"]! == expected.IndexName)!;
            Assert.Equal(expected.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)), index["KeySchema"]!.AsArray().Select(k => ((string)k!["AttributeName"]!, (string)k["KeyType"]!)));
            Assert.Equal("ALL", (string)index["Projection"]!["ProjectionType"]!);
        }
    }

    [Fact]
    public void Upload_bucket_blocks_public_access_and_is_encrypted_versioned_logged_and_retained()
    {
        synth.MainTemplate.HasResource("AWS::S3::Bucket", Obj(
            ("DeletionPolicy", "Retain"),
            ("Properties", Match.ObjectLike(Obj(
                ("BucketName", Match.AnyValue()),
                ("PublicAccessBlockConfiguration", Obj(("BlockPublicAcls", true), ("BlockPublicPolicy", true), ("IgnorePublicAcls", true), ("RestrictPublicBuckets", true))),
                ("BucketEncryption", Obj(("ServerSideEncryptionConfiguration", new object[] { Obj(("ServerSideEncryptionByDefault", Obj(("SSEAlgorithm", "AES256")))) }))),
                ("VersioningConfiguration", Obj(("Status", "Enabled"))),
                ("LoggingConfiguration", Obj(("DestinationBucketName", Obj(("Ref", synth.LogicalId(synth.Main.Data.LogBucket)))), ("LogFilePrefix", "s3-uploads/"))))))));
    }

    [Fact]
    public void Upload_bucket_denies_requests_without_tls()
    {
        synth.MainTemplate.HasResourceProperties("AWS::S3::BucketPolicy", Obj(
            ("Bucket", Obj(("Ref", synth.LogicalId(synth.Main.Data.UploadBucket)))),
            ("PolicyDocument", Obj(("Statement", Match.ArrayWith([Match.ObjectLike(Obj(
                ("Effect", "Deny"), ("Action", "s3:*"), ("Condition", Obj(("Bool", Obj(("aws:SecureTransport", "false")))))))]))))));
    }

    [Fact]
    public void Upload_bucket_lifecycle_matches_docs_uploads()
    {
        var rules = UploadBucket()["LifecycleConfiguration"]!["Rules"]!.AsArray();
        var expiry = rules.Single(r => (string?)r!["Id"] == "expire-session-data")!;
        Assert.Equal("users/", (string)expiry["Prefix"]!);
        Assert.Equal(31, (int)expiry["ExpirationInDays"]!); // SessionLifetimeDays (30) + 1 day of slack
        var tidy = rules.Single(r => (string?)r!["Id"] == "tidy-versions-and-uploads")!;
        Assert.Equal(1, (int)tidy["AbortIncompleteMultipartUpload"]!["DaysAfterInitiation"]!);
        Assert.Equal(7, (int)tidy["NoncurrentVersionExpiration"]!["NoncurrentDays"]!);
        Assert.True((bool)tidy["ExpiredObjectDeleteMarker"]!);
        Assert.All(rules, r => Assert.Equal("Enabled", (string)r!["Status"]!));
    }

    [Fact]
    public void Upload_bucket_cors_allows_only_the_site_origin_and_only_post_and_part_put()
    {
        var rules = UploadBucket()["CorsConfiguration"]!["CorsRules"]!.AsArray();
        var rule = Assert.Single(rules)!;
        Assert.Equal(["POST", "PUT"], rule["AllowedMethods"]!.AsArray().Select(m => (string)m!));
        var origin = Assert.Single(rule["AllowedOrigins"]!.AsArray())!;
        Assert.DoesNotContain("*", origin.ToJsonString());
        // https:// + the distribution's domain name.
        Assert.Contains(synth.LogicalId(synth.Main.Edge.Distribution), origin.ToJsonString());
        Assert.StartsWith("https://", (string)origin["Fn::Join"]![1]![0]!);
    }

    [Fact]
    public void Log_bucket_is_private_encrypted_and_expires_logs()
    {
        var log = synth.Resource(synth.Main.Data.LogBucket)["Properties"]!;
        Assert.True((bool)log["PublicAccessBlockConfiguration"]!["BlockPublicPolicy"]!);
        Assert.Equal("AES256", (string)log["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!);
        Assert.Contains(log["LifecycleConfiguration"]!["Rules"]!.AsArray(), r => r!["ExpirationInDays"] is not null);
    }

    [Fact]
    public void Secrets_are_generated_or_left_to_the_operator_and_never_in_the_template()
    {
        synth.MainTemplate.ResourceCountIs("AWS::SecretsManager::Secret", 4);
        synth.MainTemplate.AllResourcesProperties("AWS::SecretsManager::Secret", Obj(("SecretString", Match.Absent())));
        foreach (var name in new[] { "enclave/cookie-key", "enclave/audit-key", "enclave/origin-verify" })
        {
            synth.MainTemplate.HasResourceProperties("AWS::SecretsManager::Secret", Obj(
                ("Name", name), ("GenerateSecretString", Match.ObjectLike(Obj(("PasswordLength", 64))))));
        }

        // SES derives SMTP credentials from an IAM user's key: the operator stores them over the placeholder (docs/mail.md).
        synth.MainTemplate.HasResourceProperties("AWS::SecretsManager::Secret", Obj(("Name", "enclave/smtp-credentials")));
    }

    private JsonNode UploadBucket() => synth.Resource(synth.Main.Data.UploadBucket)["Properties"]!;
}
