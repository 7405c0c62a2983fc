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

    /// <summary>The longest wait the per-account delay reaches (it doubles from one second).</summary>
    [Range(1, 20)]
    public int LoginDelayMaxSeconds { get; set; } = 10;

    /// <summary>Failed sign-ins per client address and window; beyond it, 429 with Retry-After.</summary>
    [Range(1, 100_000)]
    public int LoginAttemptsPerClientIp { get; set; } = 100;

    /// <summary>Registrations per client address and window; beyond it, 429 with Retry-After.</summary>
    [Range(1, 100_000)]
    public int RegistrationsPerClientIp { get; set; } = 100;

    [Range(1, 86_400)]
    public int ThrottleWindowSeconds { get; set; } = 900;

    [Range(1, 100)]
    public int PageSizeDefault { get; set; } = 20;

    [Range(1, 5L * 1024 * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 100L * 1024 * 1024;

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
}

[OptionsValidator]
public sealed partial class LimitsOptionsValidator : IValidateOptions<LimitsOptions>;
