using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using Amazon.DynamoDBv2.Model;

using Enclave.Functions.Http;
using Enclave.Tests.Infrastructure;
using Enclave.Tests.Isolation;

namespace Enclave.Tests.Api;

/// <summary>
/// Issue 12 item 1 (SPEC §5 invariant 9): with the origin check on, only requests carrying CloudFront's
/// origin secret (current or previous value) are served, and the viewer address is CloudFront's header;
/// without the check, the address is API Gateway's own sourceIp. Neither ever falls back to the peer.
/// </summary>
public sealed class EdgeTests
{
    [Fact]
    public async Task Without_the_origin_secret_a_request_is_refused_before_any_work()
    {
        await using var cluster = await ApiCluster.StartAsync(1, withProcessor: false, EdgeSettings.BehindTheEdge);
        using var http = cluster.Apis[0].CreateHttpClient();

        foreach (var secret in new string?[] { null, "", "wrong-" + EdgeSettings.Current, EdgeSettings.Current + "x", EdgeSettings.Current[..^1], EdgeSettings.Current.ToUpperInvariant() })
        {
            foreach (var (method, path) in new[] { ("POST", "/api/auth/login"), ("GET", "/api/me"), ("GET", "/api/health/ready"), ("GET", "/api/openapi.json"), ("GET", "/") })
            {
                using var response = await http.SendAsync(Request(method, path, secret, "198.51.100.7:443"));
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} with {secret ?? "no secret"}: {(int)response.StatusCode}");
                Assert.False(response.Headers.Contains(RequestContextMiddleware.RequestIdHeader));
                Assert.Equal("", await response.Content.ReadAsStringAsync());
            }
        }

        using (var twice = Request("POST", "/api/auth/login", EdgeSettings.Current, "198.51.100.7:443"))
        {
            twice.Headers.Add(OriginVerifyMiddleware.HeaderName, EdgeSettings.Current);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(twice)).StatusCode);
        }

        // Refused before any work: no access record, no throttle counter.
        Assert.Empty(await cluster.AccessRecordsAsync());
        Assert.Equal(0, await ThrottleItemsAsync(cluster));

        // The Web Adapter's readiness probe carries no headers and answers a constant.
        using (var health = await http.SendAsync(Request("GET", OriginVerifyMiddleware.ReadinessPath, null, null)))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        Assert.DoesNotContain(cluster.Apis[0].Lines, l => l.Contains(EdgeSettings.Current, StringComparison.Ordinal) || l.Contains(EdgeSettings.Previous, StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_the_current_or_the_previous_secret_the_request_is_served_and_attributed_to_the_viewer()
    {
        await using var cluster = await ApiCluster.StartAsync(1, withProcessor: false, EdgeSettings.BehindTheEdge);
        using var http = cluster.Apis[0].CreateHttpClient();
        var viewers = new[] { (EdgeSettings.Current, "198.51.100.7:443", "198.51.100.7"), (EdgeSettings.Previous, "2001:db8::1:46532", "2001:db8::1") };
        foreach (var (secret, viewer, address) in viewers)
        {
            using var response = await http.SendAsync(Request("POST", "/api/auth/login", secret, viewer));
            await Problem.AssertAsync(response, HttpStatusCode.Unauthorized);
        }

        var logins = (await cluster.AccessRecordsAsync()).Select(r => r.Record).Where(r => r.Action == "auth.login").ToList();
        Assert.Equal(viewers.Select(v => v.Item3).Order(StringComparer.Ordinal), logins.Select(r => r.ClientIp).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(cluster.Apis[0].Lines, l => l.Contains(EdgeSettings.Current, StringComparison.Ordinal) || l.Contains(EdgeSettings.Previous, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("2001:db8::1")]
    [InlineData("127.0.0.1")]
    [InlineData("not-an-address:443")]
    public async Task Through_the_edge_a_missing_or_malformed_viewer_address_is_refused_not_attributed_to_the_peer(string? viewer)
    {
        await using var cluster = await ApiCluster.StartAsync(1, withProcessor: false, EdgeSettings.BehindTheEdge);
        using var http = cluster.Apis[0].CreateHttpClient();
        using var response = await http.SendAsync(Request("POST", "/api/auth/login", EdgeSettings.Current, viewer));
        await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty(await cluster.AccessRecordsAsync());
        Assert.Equal(0, await ThrottleItemsAsync(cluster));
    }

    [Fact]
    public async Task Without_the_edge_check_the_address_is_api_gateways_source_ip_and_nothing_else()
    {
        await using var cluster = await ApiCluster.StartAsync(1, withProcessor: false, s => s["Enclave__ClientAddress"] = "ApiGatewaySourceIp");
        using var http = cluster.Apis[0].CreateHttpClient();

        using (var request = Request("POST", "/api/auth/login", null, "198.51.100.99:443"))
        {
            request.Headers.Add(ClientAddress.RequestContextHeader, """{"http":{"method":"POST","sourceIp":"203.0.113.9"},"requestId":"r1"}""");
            await Problem.AssertAsync(await http.SendAsync(request), HttpStatusCode.Unauthorized);
        }

        using (var request = Request("POST", "/api/auth/login", null, "198.51.100.99:443"))
        {
            await Problem.AssertAsync(await http.SendAsync(request), HttpStatusCode.BadRequest);
        }

        var logins = (await cluster.AccessRecordsAsync()).Select(r => r.Record).Where(r => r.Action == "auth.login").ToList();
        Assert.Equal(["203.0.113.9"], logins.Select(r => r.ClientIp));
    }

    private static HttpRequestMessage Request(string method, string path, string? secret, string? viewer)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { email = ApiClient.NewEmail(), password = "not anyone's passphrase" });
        }

        if (secret is not null)
        {
            request.Headers.TryAddWithoutValidation(OriginVerifyMiddleware.HeaderName, secret);
        }

        if (viewer is not null)
        {
            request.Headers.Add(ClientAddress.ViewerAddressHeader, viewer);
        }

        return request;
    }

    private static async Task<int> ThrottleItemsAsync(ApiCluster cluster)
    {
        using var dynamo = cluster.Stack.CreateDynamo();
        var scan = await dynamo.ScanAsync(new ScanRequest
        {
            TableName = cluster.Storage.IdentityTable,
            Select = Amazon.DynamoDBv2.Select.COUNT,
            FilterExpression = "begins_with(pk, :throttle)",
            ExpressionAttributeValues = new() { [":throttle"] = Core.Storage.Attr.S("THROTTLE#") },
        });
        return scan.Count ?? 0;
    }
}
