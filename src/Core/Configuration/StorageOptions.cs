using System.ComponentModel.DataAnnotations;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Configuration;

/// <summary>Where the data lives, and the endpoint overrides the local servers need.</summary>
public sealed class StorageOptions
{
    public const string Section = "Enclave:Storage";

    [Required, StringLength(255, MinimumLength = 3)]
    public string IdentityTable { get; set; } = "";

    [Required, StringLength(255, MinimumLength = 3)]
    public string DataTable { get; set; } = "";

    [Required, StringLength(255, MinimumLength = 3)]
    public string AuditTable { get; set; } = "";

    [Required, StringLength(255, MinimumLength = 3)]
    public string UploadBucket { get; set; } = "";

    /// <summary>DynamoDB endpoint override (DynamoDB Local); unset in AWS.</summary>
    [Url]
    public string? DynamoDbServiceUrl { get; set; }

    /// <summary>S3 endpoint override (Ceph RGW); unset in AWS.</summary>
    [Url]
    public string? S3ServiceUrl { get; set; }

    /// <summary>RGW needs path-style addressing.</summary>
    public bool S3ForcePathStyle { get; set; }

    /// <summary>RGW 16 rejects the SDK's default streaming trailer checksums.</summary>
    public bool S3ChecksumWhenRequired { get; set; }

    /// <summary>The local S3 speaks plain HTTP, so presigned URLs must too.</summary>
    public bool S3PresignOverHttp { get; set; }

    /// <summary>Write shards of the byDay index and the anonymous actor; may grow, never shrink (see AccessRecordLayout).</summary>
    [Range(1, Audit.AccessRecordLayout.MaxShards)]
    public int AuditShards { get; set; } = Audit.AccessRecordLayout.DefaultShards;

    /// <summary>The last day (yyyy-MM-dd) records were written unsharded; set only where such records exist.</summary>
    [RegularExpression(@"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")]
    public string? AuditUnshardedThrough { get; set; }

    [Range(1, 60)]
    public int AwsTimeoutSeconds { get; set; } = 5;
}

[OptionsValidator]
public sealed partial class StorageOptionsValidator : IValidateOptions<StorageOptions>;
