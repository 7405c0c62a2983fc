using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace Enclave.Benchmarks;

/// <summary>
/// Wall time of the answers that must not tell whether an address has an account: failed sign-ins (wrong
/// password against unknown email) and registrations (new, verified or unverified address). Samples of the
/// cases alternate, so drift in the machine's load falls on all of them alike.
/// </summary>
internal static class EnumerationTiming
{
    private const int Samples = 40;
    private const string Password = "bench passphrase 12345";

    public static async Task PrintAsync(string binary, Stack stack)
    {
        await using var api = ApiRunner.Start(binary, stack.ApiSettings("benchtiming"));
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        await api.WaitHealthyAsync();

        var verified = $"timing-{Guid.NewGuid():N}@example.com";
        await VerifiedAccount.RegisterAsync(http, stack, new { email = verified, password = Password }, verified);
        var unverified = $"timing-unverified-{Guid.NewGuid():N}@example.com";
        await TimeAsync(http, "/api/auth/register", new { email = unverified, password = Password }, HttpStatusCode.Accepted);

        var cases = new (string Name, string Path, Func<int, object> Body, HttpStatusCode Status)[]
        {
            ("sign-in, wrong password", "/api/auth/login", _ => new { email = verified, password = "not the passphrase" }, HttpStatusCode.Unauthorized),
            ("sign-in, unknown email", "/api/auth/login", i => new { email = $"nobody-{i}-{Guid.NewGuid():N}@example.com", password = "not the passphrase" }, HttpStatusCode.Unauthorized),
            ("register, new address", "/api/auth/register", i => new { email = $"new-{i}-{Guid.NewGuid():N}@example.com", password = Password }, HttpStatusCode.Accepted),
            ("register, verified address", "/api/auth/register", _ => new { email = verified, password = Password }, HttpStatusCode.Accepted),
            ("register, unverified address", "/api/auth/register", _ => new { email = unverified, password = Password }, HttpStatusCode.Accepted),
        };
        var samples = cases.Select(_ => new List<double>()).ToArray();
        for (var i = 0; i < Samples; i++)
        {
            for (var c = 0; c < cases.Length; c++)
            {
                samples[c].Add(await TimeAsync(http, cases[c].Path, cases[c].Body(i), cases[c].Status));
            }
        }

        Console.WriteLine($"Answers that must not tell whether an account exists: wall time over HTTP, {Samples} each (median / p10 / p90 ms)");
        for (var c = 0; c < cases.Length; c++)
        {
            var sorted = samples[c].Order().ToList();
            Console.WriteLine($"  {cases[c].Name,-30} {sorted[Samples / 2],7:0.0} {sorted[Samples / 10],7:0.0} {sorted[Samples * 9 / 10],7:0.0}");
        }

        Console.WriteLine($"  ratio unknown/wrong (sign-in): {Median(samples[1]) / Median(samples[0]):0.00}; " +
                          $"verified/new and unverified/new (register): {Median(samples[3]) / Median(samples[2]):0.00}, {Median(samples[4]) / Median(samples[2]):0.00}");
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task<double> TimeAsync(HttpClient http, string path, object body, HttpStatusCode expected)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.PostAsJsonAsync(path, body);
        watch.Stop();
        return response.StatusCode == expected
            ? watch.Elapsed.TotalMilliseconds
            : throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}, expected {(int)expected}");
    }
}
