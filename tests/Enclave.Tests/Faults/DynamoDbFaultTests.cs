using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using Enclave.Core.Audit;
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

    /// <summary>
    /// What Enclave promises when its database process dies: every create it acknowledged and that DynamoDB had
    /// committed is there after recovery with its access record, nothing is half-written, and the API answers fast
    /// while the database is gone. The kill lands after the acknowledged writes have settled: DynamoDB Local
    /// acknowledges a TransactWriteItems before its SQLite COMMIT runs (see README, Faults), and the answered list
    /// request below was queued behind those commits on its single SQLite thread, so they are on disk.
    /// </summary>
    [Fact]
    public async Task A_database_killed_after_acknowledged_writes_keeps_them_all_and_the_api_recovers_after_restart()
    {
        var total = Stopwatch.StartNew();
        var storage = TestStorage.Create();
        await using var api = await faults.StartApiAsync(storage);
        using var client = await api.CreateClient().RegisterAndSignInAsync();
        var before = await client.CreateSessionAsync("before");
        var created = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => client.CreateSessionAsync($"settled-{i}")));
        Assert.Equal(7, (await ListedIdsAsync(client)).Count);

        await faults.SignalAsync("dynamodb", "KILL");
        await ExpectFastOutageAsync(api, client, before);

        await RestartAsync(client);
        var listed = await ListedIdsAsync(client);
        Assert.All(created.Append(before), id => Assert.Contains(id, listed));
        await AssertCreateRecordsAsync(storage, created, expected: true);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/api/sessions/{before}")).StatusCode);
        await client.CreateSessionAsync("after");
        await AssertInvariantsAsync(storage);
        output.WriteLine($"wall time {total.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>
    /// The kill lands in the middle of a burst of creates. Each create answers 201 or a prompt 503, and after recovery
    /// each session of the burst is either whole (item and its access record) or absent: a transaction is never half
    /// applied. An acknowledged create may be absent only because DynamoDB Local commits after acknowledging; the real
    /// service acknowledges durable writes, so the count is reported, not asserted away.
    /// </summary>
    [Fact]
    public async Task A_database_killed_during_writes_gives_fast_answers_and_leaves_every_transaction_whole_or_absent()
    {
        var total = Stopwatch.StartNew();
        var storage = TestStorage.Create();
        await using var api = await faults.StartApiAsync(storage);
        using var client = await api.CreateClient().RegisterAndSignInAsync();
        var before = await client.CreateSessionAsync("before");
        Assert.Single(await ListedIdsAsync(client));

        // The first create of the burst is answered before the kill is sent, so the kill always meets writes in flight.
        var burstWatch = Stopwatch.StartNew();
        var first = client.PostAsync("/api/sessions", new { name = "burst-0" });
        var rest = Enumerable.Range(1, 11).Select(i => client.PostAsync("/api/sessions", new { name = $"burst-{i}" })).ToList();
        var firstResponse = await first;
        await faults.SignalAsync("dynamodb", "KILL");
        var outcomes = await Task.WhenAll(rest);
        output.WriteLine($"burst of 12 creates answered within {burstWatch.ElapsedMilliseconds} ms");
        Assert.InRange(burstWatch.Elapsed, TimeSpan.Zero, StallBound);
        outcomes = [firstResponse, .. outcomes];
        Assert.All(outcomes, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.ServiceUnavailable }));
        var acknowledged = await Task.WhenAll(outcomes.Where(r => r.StatusCode == HttpStatusCode.Created)
            .Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionId").GetString()!));
        output.WriteLine($"burst during the kill: {acknowledged.Length} acknowledged, {outcomes.Length - acknowledged.Length} got 503");

        await ExpectFastOutageAsync(api, client, before);
        await RestartAsync(client);

        var sessions = (await ItemsAsync(client)).ToDictionary(s => s.GetProperty("sessionId").GetString()!, s => s.GetProperty("name").GetString()!);
        Assert.Contains(before, sessions.Keys);
        var burstIds = sessions.Where(s => s.Value.StartsWith("burst-", StringComparison.Ordinal)).Select(s => s.Key).ToList();
        await AssertCreateRecordsAsync(storage, burstIds, expected: true);
        var lost = acknowledged.Except(burstIds).ToList();
        await AssertCreateRecordsAsync(storage, lost, expected: false);
        output.WriteLine($"after restart: {burstIds.Count} burst sessions whole, {lost.Count} acknowledged creates absent whole " +
            $"(DynamoDB Local's commit after acknowledgement), {burstIds.Count - (acknowledged.Length - lost.Count)} applied though answered 503");
        await client.CreateSessionAsync("after");
        await AssertInvariantsAsync(storage);
        output.WriteLine($"wall time {total.Elapsed.TotalSeconds:F1} s");
    }

    private async Task ExpectFastOutageAsync(ApiProcess api, ApiClient client, string sessionId)
    {
        var probe = new OutageProbe(output, RefusedBound);
        await probe.ExpectUnavailableAsync("create session", () => client.PostAsync("/api/sessions", new { name = "down" }));
        await probe.ExpectUnavailableAsync("list sessions", () => client.GetAsync("/api/sessions"));
        await probe.ExpectUnavailableAsync("delete session", () => client.SendAsync(HttpMethod.Delete, $"/api/sessions/{sessionId}"));
        await probe.ExpectUnavailableAsync("register", () => api.CreateClient().PostAsync("/api/auth/register", new { email = ApiClient.NewEmail(), password = ApiClient.Password }));
        probe.Summarize("DynamoDB killed");
    }

    private async Task RestartAsync(ApiClient client)
    {
        var restart = Stopwatch.StartNew();
        await faults.Stack.RestartAsync("dynamodb");
        output.WriteLine($"restart-dynamodb took {restart.ElapsedMilliseconds} ms");
        var recovery = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/sessions")).StatusCode);
        output.WriteLine($"first request after restart: 200 in {recovery.ElapsedMilliseconds} ms");
    }

    /// <summary>A session item and its <c>session.create</c> record are one transaction: both there, or neither.</summary>
    private async Task AssertCreateRecordsAsync(TestStorage storage, IEnumerable<string> sessionIds, bool expected)
    {
        using var dynamo = faults.Dynamo();
        var records = new AccessRecordQueries(dynamo, storage.AuditTable, ApiProcess.AuditLayout);
        foreach (var sessionId in sessionIds)
        {
            var page = await records.BySessionAsync(sessionId, null, null, 100, null, CancellationToken.None);
            Assert.Equal(expected, page.Items.Any(r => r.Record is { Action: "session.create", Outcome: AccessOutcome.Allowed }));
        }
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
