using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Enclave.Benchmarks;

/// <summary>
/// Wall time per route against the local stack: N sequential requests each, p50/p99 of the client's time and of the
/// server's own (the DurationMs of its completion log line), the AWS round trips and the log bytes each request wrote.
/// Local servers answer in well under a millisecond where AWS takes several, so these are not AWS durations
/// (docs/capacity.md estimates those from the round trips).
/// </summary>
internal static class RouteTimings
{
    private sealed record Sample(double ClientMs, string RequestId);

    public static async Task PrintAsync(string binary, Stack stack, int requests)
    {
        var settings = stack.ApiSettings("benchroutes");
        // One user creates a session and an upload per timed request, beyond the default limits of 100.
        settings["Enclave__Limits__MaxSessionsPerUser"] = "1000";
        settings["Enclave__Limits__MaxUploadsPerSession"] = "10000";
        await using var api = ApiRunner.Start(binary, settings);
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        await api.WaitHealthyAsync();

        var credentials = new { email = $"routes-{Guid.NewGuid():N}@example.com", password = "bench passphrase 12345" };
        await VerifiedAccount.RegisterAsync(http, stack, credentials, credentials.email);
        var login = await http.PostAsJsonAsync("/api/auth/login", credentials);
        login.EnsureSuccessStatusCode();
        var cookie = login.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        var csrf = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrfToken").GetString()!;

        async Task<(Sample Sample, JsonElement Body)> Send(HttpMethod method, string path, object? body, int expected, bool signedIn = true)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            if (signedIn)
            {
                request.Headers.Add("Cookie", cookie);
                request.Headers.Add("X-CSRF-Token", csrf);
            }

            var watch = Stopwatch.StartNew();
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            watch.Stop();
            if ((int)response.StatusCode != expected)
            {
                throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}, expected {expected}: {text}");
            }

            var json = text.Length > 0 && text[0] == '{' ? JsonDocument.Parse(text).RootElement : default;
            return (new Sample(watch.Elapsed.TotalMilliseconds, response.Headers.GetValues("X-Request-Id").Single()), json);
        }

        var session = (await Send(HttpMethod.Post, "/api/sessions", new { name = "timed" }, 201)).Body.GetProperty("sessionId").GetString();
        var upload = (await Send(HttpMethod.Post, $"/api/sessions/{session}/uploads", NewUpload(), 201)).Body.GetProperty("uploadId").GetString();
        var routes = new List<(string Route, List<Sample> Samples)>();

        async Task Time(string route, Func<int, Task<Sample>> one)
        {
            var samples = new List<Sample>();
            for (var i = 0; i < requests; i++)
            {
                samples.Add(await one(i));
            }

            routes.Add((route, samples));
        }

        await Time("GET /api/health", async _ => (await Send(HttpMethod.Get, "/api/health", null, 200, signedIn: false)).Sample);
        await Time("POST /api/auth/login", async _ => (await Send(HttpMethod.Post, "/api/auth/login", credentials, 200, signedIn: false)).Sample);
        await Time("POST /api/auth/login (wrong password)", async _ =>
            (await Send(HttpMethod.Post, "/api/auth/login", credentials with { password = "wrong passphrase 12345" }, 401, signedIn: false)).Sample);
        await Time("GET /api/me", async _ => (await Send(HttpMethod.Get, "/api/me", null, 200)).Sample);
        var created = new List<string>();
        await Time("POST /api/sessions", async _ =>
        {
            var (sample, body) = await Send(HttpMethod.Post, "/api/sessions", new { name = "timed" }, 201);
            created.Add(body.GetProperty("sessionId").GetString()!);
            return sample;
        });
        await Time("GET /api/sessions", async _ => (await Send(HttpMethod.Get, "/api/sessions", null, 200)).Sample);
        await Time("GET /api/sessions/{id}", async _ => (await Send(HttpMethod.Get, $"/api/sessions/{session}", null, 200)).Sample);
        await Time("PATCH /api/sessions/{id}", async i => (await Send(HttpMethod.Patch, $"/api/sessions/{session}", new { name = $"renamed {i}" }, 200)).Sample);
        await Time("DELETE /api/sessions/{id}", async i => (await Send(HttpMethod.Delete, $"/api/sessions/{created[i]}", null, 204)).Sample);
        await Time("POST .../uploads", async _ => (await Send(HttpMethod.Post, $"/api/sessions/{session}/uploads", NewUpload(), 201)).Sample);
        await Time("GET .../uploads", async _ => (await Send(HttpMethod.Get, $"/api/sessions/{session}/uploads", null, 200)).Sample);
        await Time("GET .../uploads/{id}", async _ => (await Send(HttpMethod.Get, $"/api/sessions/{session}/uploads/{upload}", null, 200)).Sample);
        await WaitForLinesAsync(api, routes.SelectMany(r => r.Samples).Select(s => s.RequestId));

        var lines = api.Lines.Select(l => (Text: l, Json: JsonDocument.Parse(l).RootElement)).ToList();
        var byRequest = lines.Where(l => l.Json.TryGetProperty("correlation_id", out _))
            .GroupBy(l => l.Json.GetProperty("correlation_id").GetString()!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        Console.WriteLine($"Duration per route against the local stack ({requests} sequential requests each; ms; not AWS latency)");
        Console.WriteLine($"  {"route",-40} {"client p50",10} {"p99",7} {"server p50",10} {"p99",7} {"AWS calls",9} {"log B/req",9}");
        foreach (var (route, samples) in routes)
        {
            var server = samples.Select(s => Completion(byRequest[s.RequestId]).GetProperty("duration_ms").GetDouble()).ToList();
            var calls = samples.Select(s => Completion(byRequest[s.RequestId]).GetProperty("aws_calls").GetInt32()).ToList();
            var logBytes = samples.Average(s => byRequest[s.RequestId].Sum(l => Encoding.UTF8.GetByteCount(l.Text) + 1));
            var client = samples.Select(s => s.ClientMs).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {route,-40} {Percentile(client, 50),10:0.0} {Percentile(client, 99),7:0.0} {Percentile(server, 50),10:0.0} {Percentile(server, 99),7:0.0} {Percentile(calls.Select(c => (double)c).ToList(), 50),9:0} {logBytes,9:0}"));
        }
    }

    private static object NewUpload() => new { fileName = "data.csv", contentType = "text/csv", size = 1024 };

    private static JsonElement Completion(List<(string Text, JsonElement Json)> lines) => lines.Single(l => l.Json.TryGetProperty("aws_calls", out _)).Json;

    /// <summary>Nearest rank: the smallest sample with at least p % of the samples at or below it.</summary>
    private static double Percentile(List<double> values, int p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Max(0, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];
    }

    /// <summary>Completion lines are written after the response; wait (up to 10 s) until every request has one.</summary>
    private static async Task WaitForLinesAsync(ApiRunner api, IEnumerable<string> requestIds)
    {
        var wanted = requestIds.ToHashSet(StringComparer.Ordinal);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            var done = api.Lines.Where(l => l.Contains("\"aws_calls\"", StringComparison.Ordinal))
                .Select(l => JsonDocument.Parse(l).RootElement)
                .Where(l => l.TryGetProperty("correlation_id", out _))
                .Select(l => l.GetProperty("correlation_id").GetString()!)
                .ToHashSet(StringComparer.Ordinal);
            if (wanted.IsSubsetOf(done))
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("Some requests wrote no completion log line within 10 s.");
    }
}
