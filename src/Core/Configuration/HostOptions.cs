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

    /// <summary>Where the caller's address comes from; never silently the TCP peer once a header is named.</summary>
    [Range(1, 3, ErrorMessage = "Enclave:ClientAddress must be 'Peer', 'CloudFrontViewerAddress' or 'ApiGatewaySourceIp'.")]
    public ClientAddressSource ClientAddress { get; set; } = ClientAddressSource.Peer;

    /// <summary>
    /// Secrets Manager name of the origin-verify secret CloudFront sends in <c>X-Origin-Verify</c>; when set,
    /// a request without it is refused before any work (SPEC §5 invariant 9).
    /// </summary>
    public string? OriginSecretName { get; set; }

    /// <summary>
    /// Local mode only: a file that gets one JSON line per AWS call (the capacity simulation's recording). Ignored in AWS:
    /// the lines hold partition keys, which name users.
    /// </summary>
    public string? AwsCallLog { get; set; }
}

/// <summary>Which address a request is attributed to: throttles and every access record use it.</summary>
public enum ClientAddressSource
{
    /// <summary>The TCP peer: right only where the client connects directly (local runs).</summary>
    Peer = 1,

    /// <summary>CloudFront's <c>CloudFront-Viewer-Address</c> (ip:port, IPv6 unbracketed); trustworthy only with the origin secret.</summary>
    CloudFrontViewerAddress = 2,

    /// <summary>API Gateway's own <c>sourceIp</c>, passed by the Web Adapter in <c>x-amzn-request-context</c>.</summary>
    ApiGatewaySourceIp = 3,
}

[OptionsValidator]
public sealed partial class EnclaveHostOptionsValidator : IValidateOptions<EnclaveHostOptions>;

/// <summary>
/// The edge settings that only make sense together: a viewer header is believed only behind the origin
/// secret, and a deployed API never takes the TCP peer (the Web Adapter, 127.0.0.1) for the caller.
/// </summary>
public sealed class EdgeOptionsValidator : IValidateOptions<EnclaveHostOptions>
{
    public ValidateOptionsResult Validate(string? name, EnclaveHostOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(options.OriginSecretName) && options.ClientAddress != ClientAddressSource.CloudFrontViewerAddress)
        {
            failures.Add("Enclave:OriginSecretName needs Enclave:ClientAddress=CloudFrontViewerAddress: behind CloudFront the viewer address is the client.");
        }

        if (options.Mode == EnclaveMode.Aws && options.Role == EnclaveRole.Api)
        {
            if (options.ClientAddress == ClientAddressSource.Peer)
            {
                failures.Add("Enclave:ClientAddress=Peer is only allowed in Local mode: in Lambda the peer is the Web Adapter.");
            }

            if (options.ClientAddress == ClientAddressSource.CloudFrontViewerAddress && string.IsNullOrEmpty(options.OriginSecretName))
            {
                failures.Add("Enclave:ClientAddress=CloudFrontViewerAddress needs Enclave:OriginSecretName outside Local mode: " +
                             "without the origin secret anyone can reach the API directly and name any viewer address.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
