using Enclave.Core.Configuration;
using Enclave.Functions.Http;

using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Enclave.Tests.Unit;

/// <summary>
/// Issue 12 item 2 (SPEC §5 invariant 9): the client address is parsed exactly, and a configured source
/// that is missing or malformed gives no address (the request is refused), never the TCP peer.
/// </summary>
public sealed class ClientAddressTests
{
    public static TheoryData<string, string?> ViewerAddresses() => new()
    {
        // CloudFront-Viewer-Address: always address:port; IPv6 unbracketed, so the last colon group is the port.
        { "198.51.100.7:443", "198.51.100.7" },
        { "198.51.100.7:0", "198.51.100.7" },
        { "198.51.100.7:65535", "198.51.100.7" },
        { "2001:db8::1:46532", "2001:db8::1" },
        { "2001:db8::1:4653", "2001:db8::1" },
        { "2001:db8::1:443", "2001:db8::1" },
        { "2001:DB8:0:0:0:0:0:1:443", "2001:db8::1" },
        { "2001:db8:1:2:3:4:5:6:8080", "2001:db8:1:2:3:4:5:6" },
        { "::1:8080", "::1" },
        { "::ffff:198.51.100.7:443", "198.51.100.7" },
        { "64:ff9b::198.51.100.7:443", "64:ff9b::c633:6407" },
        { "[2001:db8::1]:46532", "2001:db8::1" },

        // No port, a bad port, or a bad address: malformed.
        { "198.51.100.7", null },
        { "2001:db8::1", null },
        { "2001:db8::", null },
        { "[2001:db8::1]", null },
        { "198.51.100.7:", null },
        { "198.51.100.7:65536", null },
        { "198.51.100.7:123456", null },
        { "198.51.100.7:-1", null },
        { "198.51.100.7: 443", null },
        { "198.51.100.7:+443", null },
        { "198.51.100.7:0x1bb", null },
        { ":443", null },
        { "127.1:443", null },
        { "0x7f.0.0.1:443", null },
        { "010.0.0.1:443", null },
        { "256.0.0.1:443", null },
        { "1.2.3.4.5:443", null },
        { "fe80::1%eth0:443", null },
        { "2001:db8::g:443", null },
        { "2001:db8:::1:443", null },
        { "1:2:3:4:5:6:7:8:9:443", null },
        { "[2001:db8::1:443", null },
        { "[198.51.100.7]:443", null },
        { "localhost:443", null },
        { " 198.51.100.7:443", null },
        { "198.51.100.7:443, 203.0.113.9:443", null },
        { "", null },
    };

    public static TheoryData<string, string?> PlainAddresses() => new()
    {
        // API Gateway's sourceIp and similar: an unbracketed IPv6 address never carries a port.
        { "198.51.100.7", "198.51.100.7" },
        { "198.51.100.7:443", "198.51.100.7" },
        { "2001:db8::1", "2001:db8::1" },
        { "2001:db8::1:443", "2001:db8::1:443" },
        { "2001:db8::1:46532", null },
        { "[2001:db8::1]", "2001:db8::1" },
        { "[2001:db8::1]:443", "2001:db8::1" },
        { "::ffff:198.51.100.7", "198.51.100.7" },
        { "[2001:db8::1]443", null },
        { "[2001:db8::1]:", null },
        { "[]:443", null },
        { "198.51.100.7:99999", null },
        { "127.1", null },
        { "fe80::1%25eth0", null },
        { "example.com", null },
        { "", null },
    };

    [Theory]
    [MemberData(nameof(ViewerAddresses))]
    public void Viewer_address_is_parsed_exactly(string value, string? expected)
    {
        Assert.Equal(expected is not null, IpAddressText.TryParseViewerAddress(value, out var address));
        Assert.Equal(expected, address);
    }

    [Theory]
    [MemberData(nameof(PlainAddresses))]
    public void Plain_address_is_parsed_exactly(string value, string? expected)
    {
        Assert.Equal(expected is not null, IpAddressText.TryParseAddress(value, out var address));
        Assert.Equal(expected, address);
    }

    public static TheoryData<string?, string?> RequestContexts() => new()
    {
        { """{"http":{"method":"POST","sourceIp":"203.0.113.9","userAgent":"x"},"requestId":"r"}""", "203.0.113.9" },
        { """{"http":{"sourceIp":"2001:db8::7"}}""", "2001:db8::7" },
        { """{"http":{"sourceIp":"not an address"}}""", null },
        { """{"http":{"sourceIp":5}}""", null },
        { """{"identity":{"sourceIp":"203.0.113.9"}}""", null },
        { """{"http":"203.0.113.9"}""", null },
        { """["203.0.113.9"]""", null },
        { "{not json", null },
        { null, null },
    };

    [Theory]
    [MemberData(nameof(RequestContexts))]
    public void Api_gateway_source_ip_comes_from_the_adapters_request_context_or_nowhere(string? requestContext, string? expected)
    {
        var context = Context(peer: "127.0.0.1");
        if (requestContext is not null)
        {
            context.Request.Headers[ClientAddress.RequestContextHeader] = requestContext;
        }

        context.Request.Headers[ClientAddress.ViewerAddressHeader] = "198.51.100.99:443";
        Assert.Equal(expected, Resolver(ClientAddressSource.ApiGatewaySourceIp).Resolve(context));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("2001:db8::1")]
    [InlineData("garbage")]
    public void A_missing_or_malformed_viewer_header_never_falls_back_to_the_peer(string? header)
    {
        var context = Context(peer: "127.0.0.1");
        if (header is not null)
        {
            context.Request.Headers[ClientAddress.ViewerAddressHeader] = header;
        }

        Assert.Null(Resolver(ClientAddressSource.CloudFrontViewerAddress).Resolve(context));
    }

    [Fact]
    public void Two_viewer_headers_are_malformed()
    {
        var context = Context(peer: "127.0.0.1");
        context.Request.Headers[ClientAddress.ViewerAddressHeader] = new(["198.51.100.7:443", "203.0.113.9:443"]);
        Assert.Null(Resolver(ClientAddressSource.CloudFrontViewerAddress).Resolve(context));
    }

    [Fact]
    public void The_peer_is_used_only_when_the_settings_say_so_and_ignores_any_header()
    {
        var context = Context(peer: "::ffff:192.0.2.4");
        context.Request.Headers[ClientAddress.ViewerAddressHeader] = "198.51.100.7:443";
        Assert.Equal("192.0.2.4", Resolver(ClientAddressSource.Peer).Resolve(context));
        Assert.Equal("198.51.100.7", Resolver(ClientAddressSource.CloudFrontViewerAddress).Resolve(context));
    }

    [Theory]
    [InlineData("Aws", "Api", "Peer", null, false)]
    [InlineData("Aws", "Api", "CloudFrontViewerAddress", null, false)]
    [InlineData("Aws", "Api", "CloudFrontViewerAddress", "enclave/origin-verify", true)]
    [InlineData("Aws", "Api", "ApiGatewaySourceIp", null, true)]
    [InlineData("Aws", "Api", "ApiGatewaySourceIp", "enclave/origin-verify", false)]
    [InlineData("Aws", "Processor", "Peer", null, true)]
    [InlineData("Local", "Api", "Peer", null, true)]
    [InlineData("Local", "Api", "CloudFrontViewerAddress", null, true)]
    [InlineData("Local", "Api", "Peer", "enclave/origin-verify", false)]
    public void Edge_settings_that_would_let_a_caller_choose_its_address_refuse_to_start(
        string mode, string role, string source, string? originSecret, bool valid)
    {
        var options = new EnclaveHostOptions
        {
            Mode = Enum.Parse<EnclaveMode>(mode),
            Role = Enum.Parse<EnclaveRole>(role),
            ClientAddress = Enum.Parse<ClientAddressSource>(source),
            OriginSecretName = originSecret,
        };
        Assert.Equal(valid, new EdgeOptionsValidator().Validate(null, options).Succeeded);
    }

    private static ClientAddress Resolver(ClientAddressSource source) =>
        new(Options.Create(new EnclaveHostOptions { Mode = EnclaveMode.Local, ClientAddress = source }));

    private static DefaultHttpContext Context(string peer)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(peer);
        return context;
    }
}
