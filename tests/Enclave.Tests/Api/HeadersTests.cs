using System.Net;

using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

public sealed class HeadersTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData("GET", "/api/health", HttpStatusCode.OK)]
    [InlineData("GET", "/api/health/ready", HttpStatusCode.OK)]
    [InlineData("GET", "/api/me", HttpStatusCode.Unauthorized)]
    [InlineData("GET", "/api/no-such-route", HttpStatusCode.NotFound)]
    [InlineData("PUT", "/api/health", HttpStatusCode.MethodNotAllowed)]
    [InlineData("GET", "/api/openapi.json", HttpStatusCode.OK)]
    [InlineData("GET", "/", HttpStatusCode.NotFound)]
    public async Task Every_response_carries_the_request_id_and_security_headers(string method, string path, HttpStatusCode status)
    {
        using var http = fixture.Api.CreateHttpClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("Origin", "https://evil.example");
        var response = await http.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
        Assert.True(Core.Ids.EntityId.TryParse(response.Headers.GetValues("X-Request-Id").Single(), out _));
        Assert.StartsWith("max-age=", response.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Server"));
        if (path.StartsWith("/api", StringComparison.Ordinal))
        {
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        }

        if ((int)status >= 400)
        {
            await Problem.AssertAsync(response, status);
        }
    }

    [Fact]
    public async Task Request_ids_are_unique_per_request_and_client_supplied_ones_are_ignored()
    {
        using var http = fixture.Api.CreateHttpClient();
        var ids = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/health");
            request.Headers.Add("X-Request-Id", "attacker-chosen");
            var response = await http.SendAsync(request);
            Assert.True(ids.Add(response.Headers.GetValues("X-Request-Id").Single()));
        }

        Assert.DoesNotContain("attacker-chosen", ids);
    }

    [Fact]
    public async Task Cors_preflights_from_other_origins_are_not_allowed()
    {
        using var http = fixture.Api.CreateHttpClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/sessions");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        var response = await http.SendAsync(preflight);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.IsSuccessStatusCode);
    }

    [Fact]
    public async Task The_framework_publishes_an_openapi_document_listing_every_route()
    {
        using var http = fixture.Api.CreateHttpClient();
        var document = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/api/openapi.json"));
        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var expected in new[]
                 {
                     "/api/health", "/api/health/ready", "/api/auth/register", "/api/auth/login", "/api/auth/logout", "/api/auth/logout-all",
                     "/api/me", "/api/sessions", "/api/sessions/{sessionId}",
                 })
        {
            Assert.Contains(paths, p => p.TrimEnd('/') == expected);
        }

        // Issue 12 item 5: the auditor-only route is not advertised to anyone.
        Assert.DoesNotContain(paths, p => p.StartsWith("/api/audit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Health_touches_no_dependency_even_with_a_sign_in_cookie()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var health = await client.GetAsync("/api/health");
        var me = await client.GetAsync("/api/me");
        Assert.Equal(0, await AwsCallsAsync(health));
        Assert.True(await AwsCallsAsync(me) >= 1);
    }

    private async Task<int> AwsCallsAsync(HttpResponseMessage response)
    {
        var requestId = response.Headers.GetValues("X-Request-Id").Single();
        for (var i = 0; i < 100; i++)
        {
            var line = fixture.Api.Lines.FirstOrDefault(l => l.Contains(requestId, StringComparison.Ordinal) && l.Contains("\"aws_calls\"", StringComparison.Ordinal));
            if (line is not null)
            {
                return System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("aws_calls").GetInt32();
            }

            await Task.Delay(20);
        }

        throw new InvalidOperationException("No completion line for " + requestId);
    }
}
