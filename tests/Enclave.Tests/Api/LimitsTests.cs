using System.Net;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

public sealed class SmallLimitsFixture : ApiFixture
{
    protected override void Configure(Dictionary<string, string> settings)
    {
        settings["Enclave__Limits__MaxUploadsPerSession"] = "2";
        settings["Enclave__Limits__MaxSessionsPerUser"] = "2";
        settings["Enclave__Limits__MaxUploadBytes"] = "1000";
    }
}

/// <summary>SPEC §4 limits answer with clear 4xx problems and change nothing.</summary>
public sealed class LimitsTests(SmallLimitsFixture fixture) : IClassFixture<SmallLimitsFixture>
{
    [Fact]
    public async Task Uploads_per_session_are_limited_and_a_delete_frees_a_place()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync("limited");
        var first = await client.CreateUploadAsync(session, "a.csv", "text/csv", 10);
        await client.CreateUploadAsync(session, "b.csv", "text/csv", 10);
        var third = await client.PostAsync($"/api/sessions/{session}/uploads", new { fileName = "c.csv", contentType = "text/csv", size = 10 });
        var problem = await Problem.AssertAsync(third, HttpStatusCode.Conflict);
        Assert.Contains("most uploads", problem.GetProperty("title").GetString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent,
            (await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{session}/uploads/{first.GetProperty("uploadId").GetString()}")).StatusCode);
        await client.CreateUploadAsync(session, "c.csv", "text/csv", 10);
    }

    [Fact]
    public async Task Sessions_per_user_are_limited()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        await client.CreateSessionAsync("one");
        var second = await client.CreateSessionAsync("two");
        await Problem.AssertAsync(await client.PostAsync("/api/sessions", new { name = "three" }), HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{second}")).StatusCode);
        await client.CreateSessionAsync("three");
    }

    [Fact]
    public async Task The_configured_upload_size_limit_applies()
    {
        using var client = fixture.Client();
        await client.RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync("size");
        var response = await client.PostAsync($"/api/sessions/{session}/uploads", new { fileName = "big.csv", contentType = "text/csv", size = 1001 });
        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("size", out _));
    }
}
