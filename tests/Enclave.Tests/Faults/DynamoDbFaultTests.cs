using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using Enclave.Tests.Infrastructure;

using Xunit.Abstractions;

namespace Enclave.Tests.Faults;

/// <summary>DynamoDB Local frozen (SIGSTOP) and killed (SIGKILL) under a live API: prompt 503s, recovery, nothing half-written.</summary>
[Collection(FaultCollection.Name)]
public sealed class DynamoDbFaultTests(FaultStack faults, ITestOutputHelper output)
{
    // Two attempts of AwsTimeoutSeconds each, plus slack for a machine shared with other builds.
    private static readonly TimeSpan StallBound = TimeSpan.FromSeconds((FaultStack.AwsTimeoutSeconds * 2) + 8);
    private static readonly TimeSpan RefusedBound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_frozen_database_gives_bounded_503s_and_the_api_recovers_when_it_resumes()
    {
        var total = Stopwatch.StartNew();
        var storage = TestStorage.Create();
        await using var api = await faults.StartApiAsync(storage);
        using var client = await api.CreateClient().RegisterAndSignInAsync();
        var before = await client.CreateSessionAsync("before");

        var probe = new OutageProbe(output, StallBound);
        await faults.SignalAsync("dynamodb", "STOP");
        try
        {
            // Concurrent requests, so a stall that queued them behind each other would show.
            await Task.WhenAll(
                probe.ExpectUnavailableAsync("create session", () => client.PostAsync("/api/sessions", new { name = "during" })),
                probe.ExpectUnavailableAsync("list sessions", () => client.GetAsync("/api/sessions")),
                probe.ExpectUnavailableAsync("read session", () => client.GetAsync($"/api/sessions/{before}")),
                probe.ExpectUnavailableAsync("rename session", () => client.SendAsync(HttpMethod.Patch, $"/api/sessions/{before}", new { name = "renamed" })),
                probe.ExpectUnavailableAsync("sign in", () => api.CreateClient().PostAsync("/api/auth/login", new { email = client.Email, password = ApiClient.Password })),
                probe.ExpectUnavailableAsync("readiness", () => client.GetAsync("/api/health/ready"), retryAfter: false));
            Assert.Equal(HttpStatusCode.OK, (await probe.TimeAsync("liveness", () => client.GetAsync("/api/health"))).StatusCode);
        }
        finally
        {
            await faults.SignalAsync("dynamodb", "CONT");
        }

        probe.Summarize("DynamoDB frozen");
        var recovery = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/sessions")).StatusCode);
        output.WriteLine($"first request after SIGCONT: 200 in {recovery.ElapsedMilliseconds} ms");
        await client.CreateSessionAsync("after");

        // Writes that timed out on the client may still have been applied once DynamoDB resumed: atomically, with their records.
        var names = await SessionNamesAsync(client);
        Assert.True(names.Contains("before") || names.Contains("renamed"), string.Join(", ", names));
        Assert.Contains("after", names);
        await AssertInvariantsAsync(storage);
        output.WriteLine($"wall time {total.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task A_killed_database_gives_fast_503s_writes_stay_atomic_and_the_api_recovers_after_restart()
    {
        var total = Stopwatch.StartNew();
        var storage = TestStorage.Create();
        await using var api = await faults.StartApiAsync(storage);
        using var client = await api.CreateClient().RegisterAndSignInAsync();
        var before = await client.CreateSessionAsync("before");

        // A burst of creates with the kill landing in the middle of it; none may hang.
        var burstWatch = Stopwatch.StartNew();
        var burst = Enumerable.Range(0, 12).Select(async i =>
        {
            await Task.Delay(i * 15);
            return await client.PostAsync("/api/sessions", new { name = $"burst-{i}" });
        }).ToList();
        await Task.Delay(60);
        await faults.SignalAsync("dynamodb", "KILL");
        var outcomes = await Task.WhenAll(burst);
        output.WriteLine($"burst of 12 creates answered within {burstWatch.ElapsedMilliseconds} ms");
        Assert.InRange(burstWatch.Elapsed, TimeSpan.Zero, StallBound);
        Assert.All(outcomes, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.ServiceUnavailable }));
        var created = await Task.WhenAll(outcomes.Where(r => r.StatusCode == HttpStatusCode.Created)
            .Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionId").GetString()!));
        output.WriteLine($"burst during the kill: {created.Length} created, {outcomes.Length - created.Length} got 503");

        var probe = new OutageProbe(output, RefusedBound);
        await probe.ExpectUnavailableAsync("create session", () => client.PostAsync("/api/sessions", new { name = "down" }));
        await probe.ExpectUnavailableAsync("list sessions", () => client.GetAsync("/api/sessions"));
        await probe.ExpectUnavailableAsync("delete session", () => client.SendAsync(HttpMethod.Delete, $"/api/sessions/{before}"));
        await probe.ExpectUnavailableAsync("register", () => api.CreateClient().PostAsync("/api/auth/register", new { email = ApiClient.NewEmail(), password = ApiClient.Password }));
        probe.Summarize("DynamoDB killed");

        var restart = Stopwatch.StartNew();
        await faults.Stack.RestartAsync("dynamodb");
        output.WriteLine($"restart-dynamodb took {restart.ElapsedMilliseconds} ms");
        var recovery = Stopwatch.StartNew();
        var names = await SessionNamesAsync(client);
        output.WriteLine($"first request after restart: 200 in {recovery.ElapsedMilliseconds} ms");

        // DynamoDB keeps its data on disk here: what was acknowledged before the kill is still there.
        Assert.Contains("before", names);
        var listed = await ListedIdsAsync(client);
        Assert.All(created, id => Assert.Contains(id, listed));
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{before}")).StatusCode);
        await client.CreateSessionAsync("after");
        await AssertInvariantsAsync(storage);
        output.WriteLine($"wall time {total.Elapsed.TotalSeconds:F1} s");
    }

    private async Task AssertInvariantsAsync(TestStorage storage)
    {
        using var dynamo = faults.Dynamo();
        using var s3 = faults.S3();
        var report = await StorageInvariants.AssertHoldAsync(dynamo, s3, storage);
        output.WriteLine("invariants: " + report);
    }

    private static async Task<List<string>> SessionNamesAsync(ApiClient client) =>
        [.. (await ItemsAsync(client)).Select(s => s.GetProperty("name").GetString()!)];

    private static async Task<List<string>> ListedIdsAsync(ApiClient client) =>
        [.. (await ItemsAsync(client)).Select(s => s.GetProperty("sessionId").GetString()!)];

    private static async Task<List<JsonElement>> ItemsAsync(ApiClient client)
    {
        var response = await client.GetAsync("/api/sessions?limit=100");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()];
    }
}
