using System.ComponentModel.DataAnnotations;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Configuration;

public sealed class EnclaveHostOptions
{
    public const string Section = "Enclave";

    [Range(1, 2, ErrorMessage = "Enclave:Mode must be 'Local' or 'Aws'.")]
    public EnclaveMode Mode { get; set; }

    [Required, StringLength(100, MinimumLength = 1)]
    public string ServiceName { get; set; } = "enclave-api";

    /// <summary>Api serves /api; Processor serves the event pass-through path. Same binary, two functions.</summary>
    public EnclaveRole Role { get; set; } = EnclaveRole.Api;

    /// <summary>Header carrying the viewer address behind CloudFront; unset means the TCP peer.</summary>
    public string? ClientIpHeader { get; set; }
}

[OptionsValidator]
public sealed partial class EnclaveHostOptionsValidator : IValidateOptions<EnclaveHostOptions>;
