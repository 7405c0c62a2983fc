using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

using Enclave.Load;
using Enclave.Tests.Api;
using Enclave.Tests.Isolation;

// Issue 16.5: the isolation suite's users and checks, a thousand users for minutes. Run through scripts/load.sh, which
// builds the binaries and starts the local stack; the exit code is non-zero on any violation, 5xx or failed user.
const int ApiProcesses = 6;

// The suite's bound: enough to keep every process busy, few enough that password hashes on two shared cores do not
// stretch single requests towards their timeout. More in flight only queues inside the servers.
const int MaxInFlight = 24;
const int RoutesPerAttack = 3;

var (users, minutes) = Options.Parse(args);
var clock = Stopwatch.StartNew();
Console.WriteLine($"load: {users} users, {ApiProcesses} API processes + 1 processor, {minutes} min of load, at most {MaxInFlight} requests in flight");

await using var cluster = await ApiCluster.StartAsync(ApiProcesses, withProcessor: true);
var startup = clock.Elapsed;
var processes = cluster.Apis.Select((a, i) => ($"api{i}", a.Pid)).Append(("processor", cluster.Processor!.Pid)).ToList();
var peers = new[] { ("dynamodb", cluster.Stack.Pid("dynamodb")), ("rgw", cluster.Stack.Pid("rgw")) };
var cpuBefore = processes.Concat(peers).Select(p => ProcessStats.CpuSeconds(p.Item2)).ToList();

using var traffic = new Traffic([.. cluster.Apis.Select(a => a.BaseAddress)], MaxInFlight, cluster.Apis[0].Mailbox);
var owners = new TokenOwners();
var targets = new AttackTargets();
var simulated = Enumerable.Range(0, users).Select(_ => new SimulatedUser(traffic, owners, targets)).ToList();
var sessionRoutes = AuthorizationMatrixTests.RouteTable().Where(r => r.Contains("{sessionId}", StringComparison.Ordinal)).ToList();
var failures = new ConcurrentQueue<(SimulatedUser User, string Error)>();
var deadline = DateTime.UtcNow.AddMinutes(minutes);

var series = new RssSeries(processes);
using var sampling = new CancellationTokenSource();
var sampler = series.SampleAsync(TimeSpan.FromSeconds(Math.Max(2, minutes * 60 / 40)), clock, () => traffic.Exchanges.Count, sampling.Token);
await RunAllAsync(simulated, u => u.RunUntilAsync(deadline, sessionRoutes, RoutesPerAttack));
var load = clock.Elapsed - startup;
await sampling.CancelAsync();
await sampler;
var cpu = processes.Concat(peers).Select((p, i) => (p.Item1, ProcessStats.CpuSeconds(p.Item2) - cpuBefore[i])).ToList();

// As in the suite, every user checks its final state once all are done; a user that failed is left out.
await RunAllAsync([.. simulated.Where(u => failures.All(f => f.User != u))], u => u.VerifyFinalStateAsync());
var drained = clock.Elapsed - startup - load;

var exchanges = traffic.Exchanges.ToList();
var checks = new IsolationChecks(owners, exchanges);
var (responses, cross, unused, lines, records) = await checks.RunAllAsync(cluster, simulated);

var api = exchanges.Where(e => !e.ToStorage).ToList();
var (p50, p99) = Latencies.Of(api);
var (storageP50, storageP99) = Latencies.Of(exchanges.Where(e => e.ToStorage));
var failed = exchanges.Where(e => e.Status >= 500).ToList();
var verdicts = series.Verdicts();
var summary = string.Create(CultureInfo.InvariantCulture, $"""

    load beyond the suite (issue 16.5), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: {users} users, {ApiProcesses} API processes + 1 processor, at most {MaxInFlight} in flight
      time: start {startup.TotalSeconds:0} s, load {load.TotalSeconds:0} s ({minutes} min then each user's step in progress), final-state reads {drained.TotalSeconds:0} s, checks {(clock.Elapsed - startup - load - drained).TotalSeconds:0} s
      requests: {api.Count} to the API (per process: {string.Join(", ", Enumerable.Range(0, ApiProcesses).Select(p => api.Count(e => e.Process == p)))}) + {exchanges.Count - api.Count} to storage, {api.Count / load.TotalSeconds:0.0} API requests/s
      rounds finished: {simulated.Sum(u => u.Rounds)} (users with at least one: {simulated.Count(u => u.Rounds > 0)}); sign-ins: {api.Count(e => e.Path == "/api/auth/login" && e.Status == 200)}
      latency, from a place in flight to the last byte: API p50 {p50:0} ms, p99 {p99:0} ms; storage p50 {storageP50:0} ms, p99 {storageP99:0} ms
      statuses: {string.Join(", ", exchanges.GroupBy(e => e.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"))} (404s are the attacks and the reads of deleted ids)
      5xx: {failed.Count}; failed users: {failures.Count}
      isolation checks: {responses} responses, {cross} cross-access attempts against {unused} unused-id answers, {lines} log lines, {records} access records
      violations: {checks.Violations.Count}
      CPU seconds during the load: {string.Join(", ", cpu.Select(c => $"{c.Item1} {c.Item2:0}"))} (2 cores: {2 * load.TotalSeconds:0} available)
      RSS over time (every process is sampled; {series.Samples.Count} samples, {Math.Min(12, series.Samples.Count)} shown):
    {series.Table(12)}  RSS verdict (after the first third of the samples, median of the last third within {RssSeries.Tolerance:P0} of the first third's): {(verdicts is null ? "too few samples to judge" : string.Join(", ", verdicts.Select(v => $"{v.Name} {v.First:0}→{v.Last:0} MiB {v.Verdict}")))}
      per route:
    {Latencies.Table(exchanges)}
    """);
Console.WriteLine(summary);
foreach (var e in failed.Take(20))
{
    var cause = e.ToStorage ? e.Body : cluster.Apis[e.Process].Lines.FirstOrDefault(l => l.Contains(e.RequestId!, StringComparison.Ordinal) && l.Contains("Request failed", StringComparison.Ordinal));
    Console.WriteLine($"  5xx: {e.Method} {e.Path} → {e.Status} (process {e.Process}, request {e.RequestId}): {cause ?? "no failure line"}");
}

foreach (var (user, error) in failures.Take(20))
{
    Console.WriteLine($"  failed user {user.UserId}: {error}");
}

foreach (var violation in checks.Violations.Take(20))
{
    Console.WriteLine($"  violation: {violation}");
}

var results = Path.Combine(Enclave.Tests.Infrastructure.Repo.Root, "artifacts", "load");
Directory.CreateDirectory(results);
await File.WriteAllTextAsync(Path.Combine(results, "load-summary.txt"), summary.TrimStart() + "\n");
simulated.ForEach(u => u.Dispose());
var verdict = checks.Violations.Count == 0 && failed.Count == 0 && failures.IsEmpty;
Console.WriteLine(verdict ? "load: passed" : "load: FAILED (violations, 5xx or failed users above)");
return verdict ? 0 : 1;

// A user's unexpected answer ends that user, not the run: it is reported with the rest.
async Task RunAllAsync(IReadOnlyList<SimulatedUser> all, Func<SimulatedUser, Task> work) =>
    await Task.WhenAll(all.Select(u => Task.Run(async () =>
    {
        try
        {
            await work(u);
        }
        catch (Exception e)
        {
            failures.Enqueue((u, e.GetType().Name + ": " + e.Message));
        }
    })));

internal static class Options
{
    public static (int Users, double Minutes) Parse(string[] args)
    {
        var (users, minutes) = (1000, 4.0);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            (users, minutes, i) = args[i] switch
            {
                "--users" => (int.Parse(value, CultureInfo.InvariantCulture), minutes, i + 1),
                "--minutes" => (users, double.Parse(value, CultureInfo.InvariantCulture), i + 1),
                _ => throw new ArgumentException($"unknown option {args[i]} (use --users N, --minutes N)"),
            };
        }

        return users >= 2 && minutes is > 0 and <= 10
            ? (users, minutes)
            : throw new ArgumentException("--users must be at least 2 (users attack each other) and --minutes between 0 and 10");
    }
}
