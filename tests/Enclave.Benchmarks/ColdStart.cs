using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Enclave.Benchmarks;

/// <summary>Process start to the first 200 on a route, polled every millisecond.</summary>
internal static class ColdStart
{
    public const string Prefix = "benchcold";

    public static async Task<string> PrepareSignInAsync(string aotBinary, Stack stack)
    {
        await using var api = ApiRunner.Start(aotBinary, stack.ApiSettings(Prefix));
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        await WaitAsync(http, "/api/health", null, TimeSpan.FromSeconds(30));
        var credentials = new { email = $"bench-{Guid.NewGuid():N}@example.com", password = "bench passphrase 12345" };
        await VerifiedAccount.RegisterAsync(http, stack, credentials, credentials.email);
        var login = await http.PostAsJsonAsync("/api/auth/login", credentials);
        login.EnsureSuccessStatusCode();
        return login.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
    }

    public static async Task<double> MeasureAsync(string binary, string path, string? cookie, Stack stack)
    {
        var watch = Stopwatch.StartNew();
        await using var api = ApiRunner.Start(binary, cookie is null ? null : stack.ApiSettings(Prefix));
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        await WaitAsync(http, path, cookie, TimeSpan.FromSeconds(60));
        return watch.Elapsed.TotalMilliseconds;
    }

    private static async Task WaitAsync(HttpClient http, string path, string? cookie, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                if (cookie is not null)
                {
                    request.Headers.Add("Cookie", cookie);
                }

                using var response = await http.SendAsync(request);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            catch (HttpRequestException)
            {
                await Task.Delay(1);
            }
        }

        throw new TimeoutException($"{path} did not answer within {timeout}.");
    }

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
