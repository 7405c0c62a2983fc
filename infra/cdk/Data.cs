using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.S3;

using Constructs;

using Enclave.Core.Security;
using Enclave.Core.Storage;

using Attribute = Amazon.CDK.AWS.DynamoDB.Attribute;

namespace Enclave.Cdk;

public sealed record DataProps(Settings Settings);

/// <summary>
/// The three tables and the uploads bucket. Encryption is AWS-owned (tables) and SSE-S3 (bucket): isolation
/// is enforced by IAM on keys and prefixes, and a customer-managed key would add a KMS call per request
/// and kms:Decrypt grants to every role without narrowing who can read what.
/// </summary>
public sealed class Data : Construct
{
    public Table IdentityTable { get; }

    public Table DataTable { get; }

    public Table AuditTable { get; }

    public Bucket UploadBucket { get; }

    public Bucket LogBucket { get; }

    /// <summary>
    /// Known before the bucket exists (it is named from pseudo-parameters), so functions, roles and the
    /// CSP can name it without a dependency that would form a cycle with CloudFront's origin in CORS.
    /// </summary>
    public string UploadBucketName { get; }

    public string UploadBucketArn { get; }

    public string UploadOrigin { get; }

    public Data(Construct scope, string id, DataProps props) : base(scope, id)
    {
        var prefix = props.Settings.NamePrefix;
        IdentityTable = NewTable("IdentityTable", $"{prefix}-identity", stream: false);
        DataTable = NewTable("DataTable", $"{prefix}-data", stream: true);
        // The sweeper's work list: keys only, so the processor's own role may query it without reading user data.
        var sweepIndex = Index(TableSchemas.SweepDue, TableSchemas.SweepShard, TableSchemas.SweepAt);
        sweepIndex.ProjectionType = ProjectionType.KEYS_ONLY;
        DataTable.AddGlobalSecondaryIndex(sweepIndex);
        AuditTable = NewTable("AuditTable", $"{prefix}-audit", stream: false);
        AuditTable.AddGlobalSecondaryIndex(Index(TableSchemas.AuditBySession, TableSchemas.BySessionPk, TableSchemas.BySessionSk));
        AuditTable.AddGlobalSecondaryIndex(Index(TableSchemas.AuditByDay, TableSchemas.ByDayPk, TableSchemas.ByDaySk));
        AuditTable.AddGlobalSecondaryIndex(Index(TableSchemas.AuditBySubject, TableSchemas.BySubjectPk, TableSchemas.BySubjectSk));

        UploadBucketName = $"{prefix}-uploads-{Aws.ACCOUNT_ID}-{Aws.REGION}";
        UploadBucketArn = $"arn:{Aws.PARTITION}:s3:::{UploadBucketName}";
        UploadOrigin = $"https://{UploadBucketName}.s3.{Aws.REGION}.{Aws.URL_SUFFIX}";

        LogBucket = new Bucket(this, "LogBucket", new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            EnforceSSL = true,
            Encryption = BucketEncryption.S3_MANAGED,
            // CloudFront standard logging writes with the log-delivery ACL.
            ObjectOwnership = ObjectOwnership.OBJECT_WRITER,
            Versioned = true,
            RemovalPolicy = RemovalPolicy.RETAIN,
            LifecycleRules = [new LifecycleRule { Id = "expire-logs", Expiration = Duration.Days(365), NoncurrentVersionExpiration = Duration.Days(30) }],
        });

        UploadBucket = new Bucket(this, "UploadBucket", new BucketProps
        {
            BucketName = UploadBucketName,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            EnforceSSL = true,
            Encryption = BucketEncryption.S3_MANAGED,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            Versioned = true,
            RemovalPolicy = RemovalPolicy.RETAIN,
            ServerAccessLogsBucket = LogBucket,
            ServerAccessLogsPrefix = "s3-uploads/",
            LifecycleRules =
            [
                // One day of slack keeps an object at least as long as its item (docs/uploads.md).
                new LifecycleRule { Id = "expire-session-data", Prefix = Core.Uploads.UploadKeys.AllUsersPrefix, Expiration = Duration.Days(props.Settings.SessionLifetimeDays + 1) },
                new LifecycleRule
                {
                    Id = "tidy-versions-and-uploads",
                    AbortIncompleteMultipartUploadAfter = Duration.Days(1),
                    NoncurrentVersionExpiration = Duration.Days(7),
                    ExpiredObjectDeleteMarker = true,
                },
            ],
        });
    }

    /// <summary>
    /// Only the browser's form POST and part PUTs (multipart uploads) are cross-origin, and only from the site; downloads are navigations to
    /// presigned URLs and need no CORS. Added once the site's origin (CloudFront's domain) is known.
    /// </summary>
    public void AllowUploadsFrom(string siteOrigin) => UploadBucket.AddCorsRule(new CorsRule
    {
        AllowedOrigins = [siteOrigin],
        AllowedMethods = [HttpMethods.POST, HttpMethods.PUT],
        AllowedHeaders = ["content-type"],
        MaxAge = 3600,
    });

    private Table NewTable(string id, string name, bool stream) => new(this, id, new TableProps
    {
        TableName = name,
        PartitionKey = new Attribute { Name = Attr.Pk, Type = AttributeType.STRING },
        SortKey = new Attribute { Name = Attr.Sk, Type = AttributeType.STRING },
        BillingMode = BillingMode.PAY_PER_REQUEST,
        PointInTimeRecovery = true,
        DeletionProtection = true,
        TimeToLiveAttribute = Attr.Ttl,
        Encryption = TableEncryption.DEFAULT,
        Stream = stream ? StreamViewType.NEW_IMAGE : null,
        RemovalPolicy = RemovalPolicy.RETAIN,
    });

    private static GlobalSecondaryIndexProps Index(string name, string pk, string sk) => new()
    {
        IndexName = name,
        PartitionKey = new Attribute { Name = pk, Type = AttributeType.STRING },
        SortKey = new Attribute { Name = sk, Type = AttributeType.STRING },
        ProjectionType = ProjectionType.ALL,
    };
}
