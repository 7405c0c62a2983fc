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
        await using var cluster = await ApiCluster.StartAsync(ApiProcesses, withProcessor: true);
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
        finally
        {
            users.ForEach(u => u.Dispose());
        }

        var load = total.Elapsed - startup;
        var exchanges = traffic.Exchanges.ToList();
        var checks = new IsolationChecks(owners, exchanges);
        var responses = checks.CheckResponses();
        var (cross, unused) = checks.CheckCrossAttempts();
        await IsolationChecks.WaitForCompletionLinesAsync(cluster.Apis, exchanges);
        var lines = checks.CheckLogs(cluster.Apis, cluster.Processor!);
        var records = checks.CheckRecords(await cluster.AccessRecordsAsync(), await cluster.AuditKeyAsync(), users);

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
    }
}
