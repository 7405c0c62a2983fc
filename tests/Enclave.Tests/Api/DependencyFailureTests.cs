using System.Diagnostics;
using System.Net;

using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

/// <summary>A stalled DynamoDB turns into a prompt 503 problem, writes nothing, and the API recovers by itself.</summary>
public sealed class DependencyFailureTests
{
    [Fact]
    public async Task A_stalled_database_gives_a_bounded_503_and_the_api_recovers()
    {
        var stack = await LocalStack.GetAsync();
        var storage = TestStorage.Create();
        await using var proxy = new TcpProxy(new Uri(stack.DynamoDbUrl));
        var settings = ApiProcess.Settings(stack, storage);
        settings["Enclave__Storage__DynamoDbServiceUrl"] = proxy.Url;
        settings["Enclave__Storage__AwsTimeoutSeconds"] = "2";
        await using var api = await ApiProcess.StartAsync(settings);
        using var client = api.CreateClient();
        await client.RegisterAndSignInAsync();
        var sessionId = await client.CreateSessionAsync("before");

        proxy.Stalled = true;
        var watch = Stopwatch.StartNew();
        var during = await client.PostAsync("/api/sessions", new { name = "during" });
        watch.Stop();
        await Problem.AssertAsync(during, HttpStatusCode.ServiceUnavailable);
        Assert.True(during.Headers.RetryAfter is not null);
        Assert.InRange(watch.Elapsed.TotalSeconds, 0, 15);
        await Problem.AssertAsync(await client.GetAsync($"/api/sessions/{sessionId}"), HttpStatusCode.ServiceUnavailable);
        await Problem.AssertAsync(await client.GetAsync("/api/health/ready"), HttpStatusCode.ServiceUnavailable);
        var health = await client.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        proxy.Stalled = false;
        var recovered = await client.GetAsync("/api/sessions");
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        var names = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(recovered.Content))
            .GetProperty("items").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Equal(["before"], names);
    }
}
