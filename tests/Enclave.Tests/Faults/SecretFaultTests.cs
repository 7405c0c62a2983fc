using System.Diagnostics;
using System.Net;

using Enclave.Core.Secrets;
using Enclave.Tests.Infrastructure;

using Xunit.Abstractions;

namespace Enclave.Tests.Faults;

/// <summary>
/// The Local-mode secret source (a JSON file behind a 1-second cache) failing in each way a file can: gone, half
/// written, a directory in its place, a key missing. Requests answer 503 at once and write nothing; putting the file
/// back restores service, with the same sign-in still valid.
/// </summary>
public sealed class SecretFaultTests(ITestOutputHelper output)
{
    private const int CacheSeconds = 1;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    public static TheoryData<string> Failures => ["removed", "truncated", "directory", "audit key missing"];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_failing_secret_source_gives_prompt_503s_writes_nothing_and_service_returns_with_the_file(string failure)
    {
        var total = Stopwatch.StartNew();
        var stack = await LocalStack.GetAsync();
        var storage = TestStorage.Create();
        var settings = ApiProcess.Settings(stack, storage);
        settings["Enclave__Secrets__CacheSeconds"] = CacheSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var path = settings["Enclave__Secrets__LocalFile"];
        await using var api = await ApiProcess.StartAsync(settings);
        using var client = await api.CreateClient().RegisterAndSignInAsync();
        var session = await client.CreateSessionAsync("before");
        var original = await File.ReadAllTextAsync(path);

        Break(path, original, failure);
        var probe = new OutageProbe(output, Bound);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(CacheSeconds + 0.5));
            await probe.ExpectUnavailableAsync("create session", () => client.PostAsync("/api/sessions", new { name = "during" }));
            await probe.ExpectUnavailableAsync("read session", () => client.GetAsync($"/api/sessions/{session}"));
            await probe.ExpectUnavailableAsync("delete session", () => client.SendAsync(HttpMethod.Delete, $"/api/sessions/{session}"));
            await probe.ExpectUnavailableAsync("readiness", () => client.GetAsync("/api/health/ready"), retryAfter: false);
            if (failure != "audit key missing")
            {
                // Without the cookie key no sign-in can be checked or issued.
                await probe.ExpectUnavailableAsync("sign in", () => api.CreateClient().PostAsync("/api/auth/login", new { email = client.Email, password = ApiClient.Password }));
            }
        }
        finally
        {
            Restore(path, original);
        }

        probe.Summarize($"secret file {failure}");
        var recovery = Stopwatch.StartNew();
        var list = await client.GetAsync("/api/sessions");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        output.WriteLine($"first request after restoring the file: 200 in {recovery.ElapsedMilliseconds} ms");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/sessions/{session}")).StatusCode);
        await client.CreateSessionAsync("after");

        using var dynamo = stack.CreateDynamo();
        using var s3 = stack.CreateAdminS3();
        var key = new SigningKey(System.Text.Encoding.UTF8.GetBytes(await new LocalFileSecretSource(path).GetAsync(SigningKeys.LocalAuditKeyName, CancellationToken.None)));
        var report = await StorageInvariants.AssertHoldAsync(dynamo, s3, storage, key);
        Assert.Equal(2, report.Sessions); // "before" and "after": nothing was created or deleted during the outage
        output.WriteLine("invariants: " + report);
        output.WriteLine($"wall time {total.Elapsed.TotalSeconds:F1} s");
    }

    private static void Break(string path, string original, string failure)
    {
        switch (failure)
        {
            case "removed":
                File.Delete(path);
                break;
            case "truncated":
                File.WriteAllText(path, original[..(original.Length / 2)]);
                break;
            case "directory":
                File.Delete(path);
                Directory.CreateDirectory(path);
                break;
            case "audit key missing":
                File.WriteAllText(path, original.Replace(SigningKeys.LocalAuditKeyName, "enclave/renamed-key", StringComparison.Ordinal));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(failure), failure, null);
        }
    }

    private static void Restore(string path, string original)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path);
        }

        File.WriteAllText(path, original);
    }
}
