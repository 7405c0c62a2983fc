using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Enclave.Functions.Http;

/// <summary>
/// Exact parsing of the address forms the edge sends, returning the canonical text (IPv4 dotted quad,
/// IPv6 compressed lowercase; an IPv4-mapped IPv6 address becomes its IPv4 address, so one host is one
/// throttle bucket). Anything else is malformed: no legacy IPv4 forms (<c>127.1</c>, octal, hex), no
/// IPv6 zone ids, no host names, no whitespace.
/// </summary>
internal static class IpAddressText
{
    private const int MaxLength = 64;

    /// <summary>
    /// <c>CloudFront-Viewer-Address</c>: always <c>address:port</c>, IPv6 unbracketed
    /// (<c>2001:db8::1:46532</c>). So the port is whatever follows the LAST colon, even when the rest
    /// would also read as an IPv6 address with one group more: that ambiguity exists only in this
    /// header, which always carries a port. A bracketed IPv6 (<c>[2001:db8::1]:46532</c>) is accepted too.
    /// </summary>
    public static bool TryParseViewerAddress(string? value, [NotNullWhen(true)] out string? address)
    {
        address = null;
        if (value is not { Length: > 0 and <= MaxLength })
        {
            return false;
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !IsPort(value.AsSpan(colon + 1)))
        {
            return false;
        }

        var host = value[..colon];
        return host.StartsWith('[')
            ? TryParseBracketed(host, out address)
            : TryParseBare(host, out address);
    }

    /// <summary>
    /// An address with an optional port, as written in URLs: <c>198.51.100.7</c>, <c>198.51.100.7:443</c>,
    /// <c>2001:db8::1</c>, <c>[2001:db8::1]</c>, <c>[2001:db8::1]:443</c>. An unbracketed IPv6 address
    /// never has a port here: every colon belongs to the address.
    /// </summary>
    public static bool TryParseAddress(string? value, [NotNullWhen(true)] out string? address)
    {
        address = null;
        if (value is not { Length: > 0 and <= MaxLength })
        {
            return false;
        }

        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close != value.Length - 1 && (value[close + 1] != ':' || !IsPort(value.AsSpan(close + 2)))))
            {
                return false;
            }

            return TryParseBracketed(value[..(close + 1)], out address);
        }

        var colons = value.Count(c => c == ':');
        if (colons == 1)
        {
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            return IsPort(value.AsSpan(colon + 1)) && TryParseIPv4(value[..colon], out address);
        }

        return TryParseBare(value, out address);
    }

    public static string Canonical(IPAddress address) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    private static bool TryParseBracketed(string host, out string? address)
    {
        address = null;
        return host.Length > 2 && host[0] == '[' && host[^1] == ']' && TryParseIPv6(host[1..^1], out address);
    }

    private static bool TryParseBare(string host, out string? address) =>
        host.Contains(':', StringComparison.Ordinal) ? TryParseIPv6(host, out address) : TryParseIPv4(host, out address);

    /// <summary>Four decimal parts 0–255, no leading zeros: the only IPv4 form the edge writes.</summary>
    private static bool TryParseIPv4(string text, out string? address)
    {
        address = null;
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || (part.Length > 1 && part[0] == '0') ||
                int.Parse(part, CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }
        }

        address = IPAddress.Parse(text).ToString();
        return true;
    }

    /// <summary>Hex groups, "::" and an optional trailing dotted quad; no zone id ("%eth0").</summary>
    private static bool TryParseIPv6(string text, out string? address)
    {
        address = null;
        if (!text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.') ||
            !IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        var lastColon = text.LastIndexOf(':');
        if (text.AsSpan(lastColon + 1).Contains('.') && !TryParseIPv4(text[(lastColon + 1)..], out _))
        {
            return false;
        }

        address = Canonical(parsed);
        return true;
    }

    private static bool IsPort(ReadOnlySpan<char> text)
    {
        if (text.Length is 0 or > 5)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return int.Parse(text, CultureInfo.InvariantCulture) <= 65535;
    }
}
