using System.Text.Json;

using Enclave.Core.Configuration;

using Microsoft.Extensions.Options;

namespace Enclave.Functions.Http;

/// <summary>
/// The caller's address, from the one source the settings name (<see cref="ClientAddressSource"/>).
/// A named header that is missing or malformed gives null, never the TCP peer: behind the Web Adapter
/// the peer is 127.0.0.1, and falling back to it would put every such caller in one throttle bucket.
/// </summary>
internal sealed class ClientAddress(IOptions<EnclaveHostOptions> options)
{
    public const string ViewerAddressHeader = "CloudFront-Viewer-Address";
    public const string RequestContextHeader = "x-amzn-request-context";

    // The Web Adapter's request context is a few hundred bytes; anything far larger is not from it.
    private const int MaxRequestContextLength = 8192;

    public ClientAddressSource Source => options.Value.ClientAddress;

    public string? Resolve(HttpContext context) => Source switch
    {
        ClientAddressSource.CloudFrontViewerAddress =>
            Single(context, ViewerAddressHeader) is { } viewer && IpAddressText.TryParseViewerAddress(viewer, out var address) ? address : null,
        ClientAddressSource.ApiGatewaySourceIp => SourceIp(Single(context, RequestContextHeader)),
        _ => context.Connection.RemoteIpAddress is { } peer ? IpAddressText.Canonical(peer) : null,
    };

    /// <summary>Two copies of a header the edge sets once means someone else added one: malformed.</summary>
    private static string? Single(HttpContext context, string header) =>
        context.Request.Headers[header] is { Count: 1 } values ? values[0] : null;

    /// <summary>HTTP API payload 2.0: <c>{"http":{"sourceIp":"…"}}</c>, the address API Gateway saw.</summary>
    private static string? SourceIp(string? requestContext)
    {
        if (requestContext is not { Length: > 0 and <= MaxRequestContextLength })
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(requestContext);
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                   document.RootElement.TryGetProperty("http", out var http) && http.ValueKind == JsonValueKind.Object &&
                   http.TryGetProperty("sourceIp", out var sourceIp) && sourceIp.ValueKind == JsonValueKind.String &&
                   IpAddressText.TryParseAddress(sourceIp.GetString(), out var address)
                ? address
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
