using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Enclave.Tests.Infrastructure;

public static class Problem
{
    /// <summary>Asserts an RFC 9457 body with type, title, status and the response's request id; returns it.</summary>
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrEmpty(body.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.Equal(response.Headers.GetValues("X-Request-Id").Single(), body.GetProperty("requestId").GetString());
        var text = body.ToString();
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Enclave.", text, StringComparison.Ordinal);
        Assert.False(body.TryGetProperty("traceId", out _));
        Assert.False(body.TryGetProperty("detail", out _));
        return body;
    }

    /// <summary>The body with the request id blanked, for byte-for-byte comparison of two responses.</summary>
    public static async Task<string> BodyWithoutRequestIdAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var requestId = response.Headers.GetValues("X-Request-Id").Single();
        return text.Replace(requestId, "<request-id>", StringComparison.Ordinal);
    }
}
