using Enclave.Core.Configuration;

using Microsoft.Extensions.Options;

namespace Enclave.Functions.Http;

/// <summary>
/// The caller's address. Behind CloudFront the TCP peer is the edge, so a configured header that the
/// edge sets (and overwrites) names the viewer; locally the TCP peer is the caller.
/// </summary>
internal sealed class ClientAddress(IOptions<EnclaveHostOptions> options)
{
    public string Resolve(HttpContext context)
    {
        if (options.Value.ClientIpHeader is { Length: > 0 } header &&
            context.Request.Headers[header].ToString() is { Length: > 0 and <= 100 } value)
        {
            // CloudFront-Viewer-Address is "ip:port"; keep the address part.
            var colon = value.LastIndexOf(':');
            var address = colon > 0 && value.Count(c => c == ':') is 1 or > 2 && value.Contains('.', StringComparison.Ordinal)
                ? value[..colon]
                : value;
            if (System.Net.IPAddress.TryParse(address, out var parsed))
            {
                return parsed.ToString();
            }
        }

        return context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }
}
