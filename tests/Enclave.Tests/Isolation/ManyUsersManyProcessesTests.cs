using System.Diagnostics;
using System.Globalization;

using Enclave.Tests.Api;
using Enclave.Tests.Infrastructure;

using Xunit.Abstractions;

namespace Enclave.Tests.Isolation;

/// <summary>
/// Issue 5, part 1: a hundred users at once on three API processes and one processor sharing the same
/// tables and bucket, every request to a random process. Nothing of one user reaches another: not in a
/// response, not in a not-found answer, not in a log line, not in an access record.
/// </summary>
public sealed class ManyUsersManyProcessesTests(ITestOutputHelper output)
{
    private const int Users = 100;
    private const int ApiProcesses = 3;

    // Enough to keep every process busy and far more than one request per process in flight, few enough
    // that 200 password hashes on two shared cores do not push requests past their timeouts.
    private const int MaxInFlight = 24;

    [Fact]
    public async Task A_hundred_users_on_three_processes_see_nothing_of_each_other()
    {
        var total = Stopwatch.StartNew();
        // Every process records its AWS calls for the capacity simulation (issue 16.3), each to its own file.
        var recordings = new List<(string File, bool Processor)>();
        await using var cluster = await ApiCluster.StartAsync(ApiProcesses, withProcessor: true, settings =>
        {
            var file = Path.Combine(Path.GetTempPath(), $"enclave-aws-calls-{Guid.NewGuid():N}.jsonl");
            recordings.Add((file, settings.GetValueOrDefault("Enclave__Role") == "Processor"));
            settings["Enclave__AwsCallLog"] = file;
        });
        var startup = total.Elapsed;
        using var traffic = new Traffic([.. cluster.Apis.Select(a => a.BaseAddress)], MaxInFlight, cluster.Apis[0].Mailbox);
        var owners = new TokenOwners();
        var targets = new AttackTargets();
        var users = Enumerable.Range(0, Users).Select(_ => new SimulatedUser(traffic, owners, targets)).ToList();
        var sessionRoutes = AuthorizationMatrixTests.RouteTable().Where(r => r.Contains("{sessionId}", StringComparison.Ordinal)).ToList();
        try
        {
            await Task.WhenAll(users.Select(u => Task.Run(() => u.RunAsync(sessionRoutes))));
            await Task.WhenAll(users.Select(u => Task.Run(u.VerifyFinalStateAsync)));
        }
        catch
        {
            // A user's unexpected answer names no cause; the server's failure lines do (exception and request id).
            foreach (var line in cluster.Apis.Append(cluster.Processor!).SelectMany(p => p.Lines).Where(l => l.Contains("Request failed", StringComparison.Ordinal)).Take(20))
            {
                output.WriteLine(line);
            }

            throw;
        }
        finally
        {
            users.ForEach(u => u.Dispose());
        }

        var load = total.Elapsed - startup;
        var exchanges = traffic.Exchanges.ToList();
        var checks = new IsolationChecks(owners, exchanges);
        var (responses, cross, unused, lines, records) = await checks.RunAllAsync(cluster, users);

        var perProcess = string.Join(", ", Enumerable.Range(0, ApiProcesses).Select(p => exchanges.Count(e => e.Process == p)));
        var summary = string.Create(CultureInfo.InvariantCulture, $"""
            isolation (issue 5 part 1): {Users} users, {ApiProcesses} API processes + 1 processor, at most {MaxInFlight} requests in flight
              requests: {exchanges.Count(e => !e.ToStorage)} to the API (per process: {perProcess}) + {exchanges.Count(e => e.ToStorage)} to storage; {responses} responses scanned
              cross-access attempts: {cross} (each compared with the not-found answer to unused ids; {unused} of those)
              log lines checked: {lines} ({string.Join(", ", cluster.Apis.Select(a => a.Lines.Count))} from the API processes, {cluster.Processor!.Lines.Count} from the processor)
              access records checked: {records}
              violations: {checks.Violations.Count}
              wall time: {total.Elapsed.TotalSeconds:0.0} s (start {startup.TotalSeconds:0.0} s, load {load.TotalSeconds:0.0} s, checks {(total.Elapsed - startup - load).TotalSeconds:0.0} s)
            """);
        await SummaryFile.WriteAsync(output, "isolation", summary);

        Assert.True(checks.Violations.Count == 0, string.Join("\n", checks.Violations.Take(20)));
        await SimulateAtScaleAsync(cluster, recordings, exchanges.Count(e => !e.ToStorage));
    }

    /// <summary>
    /// Issue 16.3 on the recording of the run above, plus one failed sign-in per user (anonymous records, the credential-stuffing
    /// key): no partition over its limit at 50,000 requests/s; the pre-sharding layout of the same calls is flagged.
    /// </summary>
    private async Task SimulateAtScaleAsync(ApiCluster cluster, List<(string File, bool Processor)> recordings, int apiRequests)
    {
        // A few at a time: a hundred at once from one address contend for its one throttle item (transaction conflicts, 503).
        using var gate = new SemaphoreSlim(ApiProcesses);
        await Task.WhenAll(Enumerable.Range(0, Users).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                using var client = cluster.Apis[i % ApiProcesses].CreateClient();
                var failed = await client.PostAsync("/api/auth/login", new { email = ApiClient.NewEmail(), password = "not the password 123" });
                Assert.Equal(System.Net.HttpStatusCode.Unauthorized, failed.StatusCode);
            }
            finally
            {
                gate.Release();
            }
        }));
        apiRequests += Users;

        var simulation = CapacitySimulation.Load(recordings);
        var shards = ApiProcess.AuditLayout.Shards;
        var burst = simulation.Partitions(apiRequests, Users, shards, CapacitySimulation.Burst);
        var sustained = simulation.Partitions(apiRequests, Users, shards, CapacitySimulation.Sustained);
        var old = simulation.Unsharded();
        var oldBurst = old.Partitions(apiRequests, Users, shards, CapacitySimulation.Burst);
        var violations = CapacitySimulation.Violations(burst, simulation.SignInStsPerSecond(Users) + simulation.ProcessorStsPerSecond(Users)).ToList();
        var oldViolations = CapacitySimulation.Violations(oldBurst, 0).ToList();
        await SummaryFile.WriteAsync(output, "capacity", string.Create(CultureInfo.InvariantCulture, $"""
            capacity simulation (issue 16.3): {simulation.Calls} AWS calls ({simulation.Touches} partition touches) for {apiRequests} API requests of {Users} users
              {simulation.Mix(apiRequests)}
              STS: {simulation.SignInStsPerSecond(Users) + simulation.ProcessorStsPerSecond(Users):0} calls/s (limit {CapacitySimulation.StsCallsPerSecond}) with all {CapacitySimulation.UsersAtScale:N0} users active within one hour: sign-ins and refreshes {simulation.SignInStsPerSecond(Users):0}, the processor {simulation.ProcessorStsPerSecond(Users):0} (one per owner an hour; {simulation.ProcessorStsCalls} calls for {Users} users here)
              hottest partition per key pattern at 10,000 req/s sustained, 1 M users, {Core.Audit.AccessRecordLayout.DefaultShards} audit shards:
            {CapacitySimulation.Describe(sustained)}  at 50,000 req/s bursts:
            {CapacitySimulation.Describe(burst)}  violations at 50,000/s: {violations.Count}{string.Concat(violations.Select(v => "\n    " + v))}
              the unsharded layout at 50,000/s: {oldViolations.Count} violations{string.Concat(oldViolations.Select(v => "\n    " + v))}
            """));
        recordings.ForEach(r => File.Delete(r.File));

        Assert.True(simulation.Touches > apiRequests, "the recording holds the calls of the run");
        Assert.True(violations.Count == 0, string.Join("\n", violations));
        // One sealed credential per owner: at one AssumeRole per event it would be at least one per upload (four a user).
        Assert.InRange(simulation.ProcessorStsCalls, 1, 2 * Users);
        Assert.Contains(oldViolations, v => v.Contains("byDay DAY#{day}", StringComparison.Ordinal));
        Assert.Contains(oldViolations, v => v.Contains("ACTOR#anonymous", StringComparison.Ordinal));
    }
}
