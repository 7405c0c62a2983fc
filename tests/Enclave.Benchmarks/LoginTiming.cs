using System.Diagnostics;
using System.Net.Http.Json;

namespace Enclave.Benchmarks;

/// <summary>Wall time of failed logins: a wrong password for a real account against an unknown email.</summary>
internal static class LoginTiming
{
    public static async Task PrintAsync(string binary, Stack stack)
    {
        await using var api = ApiRunner.Start(binary, stack.ApiSettings("benchlogin"));
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        await api.WaitHealthyAsync();

        var email = $"timing-{Guid.NewGuid():N}@example.com";
        await VerifiedAccount.RegisterAsync(http, stack, new { email, password = "bench passphrase 12345" }, email);
        var wrong = new List<double>();
        var unknown = new List<double>();
        for (var i = 0; i < 40; i++)
        {
            wrong.Add(await TimeAsync(http, email));
            unknown.Add(await TimeAsync(http, $"nobody-{i}-{Guid.NewGuid():N}@example.com"));
        }

        wrong.Sort();
        unknown.Sort();
        Console.WriteLine("Failed login wall time over HTTP, 40 each (median / p10 / p90 ms)");
        Console.WriteLine($"  wrong password   {wrong[20],6:0.0} {wrong[4],6:0.0} {wrong[36],6:0.0}");
        Console.WriteLine($"  unknown email    {unknown[20],6:0.0} {unknown[4],6:0.0} {unknown[36],6:0.0}");
    }

    private static async Task<double> TimeAsync(HttpClient http, string email)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.PostAsJsonAsync("/api/auth/login", new { email, password = "not the passphrase" });
        watch.Stop();
        return (int)response.StatusCode == 401 ? watch.Elapsed.TotalMilliseconds : throw new InvalidOperationException($"login answered {(int)response.StatusCode}");
    }
}
