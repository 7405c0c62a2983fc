using System.ComponentModel.DataAnnotations;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Configuration;

public sealed class LimitsOptions
{
    public const string Section = "Enclave:Limits";

    /// <summary>Absolute lifetime of a sign-in; it is never extended.</summary>
    [Range(1, 24 * 30)]
    public int SignInLifetimeHours { get; set; } = 12;

    [Range(1, 3650)]
    public int SessionLifetimeDays { get; set; } = 30;

    /// <summary>Failed sign-ins per account and window before each further attempt waits (never a refusal).</summary>
    [Range(0, 1000)]
    public int LoginFailuresPerAccount { get; set; } = 10;

    /// <summary>
    /// Shards of each account's failure counter, chosen by the client address: a run against one account from many
    /// addresses spreads over this many keys (at 64, a 50,000/s run stays under 800 writes/s a key) and mostly misses the
    /// owner's own shard. Never lower it while counters are live: a shard number above the new count is simply forgotten.
    /// </summary>
    [Range(1, 1000)]
    public int AccountThrottleShards { get; set; } = 64;

    /// <summary>The longest wait the per-account delay reaches (it doubles from one second).</summary>
    [Range(1, 20)]
    public int LoginDelayMaxSeconds { get; set; } = 10;

    /// <summary>Failed sign-ins per client address and window; beyond it, 429 with Retry-After.</summary>
    [Range(1, 100_000)]
    public int LoginAttemptsPerClientIp { get; set; } = 100;

    /// <summary>Registrations per client address and window; beyond it, 429 with Retry-After.</summary>
    [Range(1, 100_000)]
    public int RegistrationsPerClientIp { get; set; } = 100;

    /// <summary>Password-reset requests per client address and window; beyond it, 429 with Retry-After.</summary>
    [Range(1, 100_000)]
    public int PasswordResetsPerClientIp { get; set; } = 20;

    /// <summary>Reset mails per address and window; beyond it the request still answers 202 but sends nothing, so nobody can flood a mailbox.</summary>
    [Range(1, 1_000)]
    public int PasswordResetsPerAccount { get; set; } = 3;

    /// <summary>How long a verification link works (at most 24 h).</summary>
    [Range(1, 24 * 60)]
    public int VerificationLinkMinutes { get; set; } = 24 * 60;

    /// <summary>How long a password-reset link works (at most 30 min).</summary>
    [Range(1, 30)]
    public int ResetLinkMinutes { get; set; } = 30;

    [Range(1, 86_400)]
    public int ThrottleWindowSeconds { get; set; } = 900;

    [Range(1, 100)]
    public int PageSizeDefault { get; set; } = 20;

    /// <summary>The largest file one presigned POST takes.</summary>
    [Range(1, 5L * 1024 * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>The largest file a multipart upload takes (S3 allows 5 TiB; the spec sets 5 GiB).</summary>
    [Range(1, 5L * 1024 * 1024 * 1024 * 1024)]
    public long MaxMultipartUploadBytes { get; set; } = 5L * 1024 * 1024 * 1024;

    /// <summary>Files above this size are uploaded in parts, whatever the client asked for.</summary>
    [Range(1, 5L * 1024 * 1024 * 1024)]
    public long MultipartThresholdBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// The smallest part the server hands out; S3 (and RGW) refuse parts below 5 MiB except the last. Each part costs
    /// the client one presigned URL (≈ 1.8 kB with a session token), so 32 MiB parts keep the API's share of an
    /// upload near 0.006 % (8 MiB parts: 0.02 %), while a part lost to a cut connection is still quick to send again.
    /// </summary>
    [Range(5L * 1024 * 1024, 5L * 1024 * 1024 * 1024)]
    public long MinPartBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>How long a multipart upload may be resumed; the bucket's abort-incomplete rule (1 day) must not be shorter.</summary>
    [Range(1, 24)]
    public int MultipartWindowHours { get; set; } = 24;

    /// <summary>
    /// An incomplete multipart upload younger than this is not judged by the sweeper: storage's upload is started just
    /// before its upload item is written.
    /// </summary>
    [Range(1, 86_400)]
    public int MultipartOrphanGraceSeconds { get; set; } = 300;

    /// <summary>How long one presigned part URL stays valid.</summary>
    [Range(1, 15)]
    public int PartUrlMinutes { get; set; } = 15;

    [Range(1, 10_000)]
    public int MaxUploadsPerSession { get; set; } = 100;

    /// <summary>Each session's id sits in its owner's register item (about 40 bytes each); a thousand keep it far under 400 KB.</summary>
    [Range(1, 1000)]
    public int MaxSessionsPerUser { get; set; } = 100;

    /// <summary>How long a presigned upload form stays valid; S3 allows more, the spec caps it at 15.</summary>
    [Range(1, 15)]
    public int UploadFormMinutes { get; set; } = 15;

    [Range(1, 5)]
    public int DownloadLinkMinutes { get; set; } = 5;

    /// <summary>How often the processor runs the sweeper locally (in AWS a schedule invokes it).</summary>
    [Range(1, 3600)]
    public int SweepPeriodSeconds { get; set; } = 60;

    /// <summary>
    /// Uploads of one stream batch the processor checks at once. Most of a job is waiting on storage, so a few at
    /// once multiply throughput; each holds at most one profile's memory bound.
    /// </summary>
    [Range(1, 16)]
    public int ProcessingJobsAtOnce { get; set; } = 4;
}

[OptionsValidator]
public sealed partial class LimitsOptionsValidator : IValidateOptions<LimitsOptions>;
