using System.Net.Http.Json;
using System.Text.Json;

namespace Enclave.Benchmarks;

/// <summary>AWS round trips per route, read from the aws_calls field of each request's completion log line.</summary>
internal static class RoundTrips
{
    public static async Task PrintAsync(string binary, Stack stack)
    {
        await using var api = ApiRunner.Start(binary, stack.ApiSettings("benchtrips"));
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        await api.WaitHealthyAsync();

        var credentials = new { email = $"trips-{Guid.NewGuid():N}@example.com", password = "bench passphrase 12345" };
        string? cookie = null;
        string? csrf = null;
        var rows = new List<(string Route, HttpResponseMessage Response)>();

        async Task<HttpResponseMessage> Send(string label, HttpMethod method, string path, object? body = null)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            if (cookie is not null)
            {
                request.Headers.Add("Cookie", cookie);
            }

            if (csrf is not null && method != HttpMethod.Get)
            {
                request.Headers.Add("X-CSRF-Token", csrf);
            }

            var response = await http.SendAsync(request);
            rows.Add((label, response));
            return response;
        }

        await Send("GET /api/health", HttpMethod.Get, "/api/health");
        await Send("GET /api/health/ready", HttpMethod.Get, "/api/health/ready");
        await Send("POST /api/auth/register", HttpMethod.Post, "/api/auth/register", credentials);
        var token = await new Tests.Infrastructure.Mailbox(stack.MailDir).WaitForTokenAsync(credentials.email);
        await Send("POST /api/auth/verify-email", HttpMethod.Post, "/api/auth/verify-email", new { token });
        await Send("POST /api/auth/login (wrong password)", HttpMethod.Post, "/api/auth/login", credentials with { password = "wrong passphrase 12345" });
        var login = await Send("POST /api/auth/login", HttpMethod.Post, "/api/auth/login", credentials);
        cookie = login.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        csrf = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrfToken").GetString();
        await Send("GET /api/me", HttpMethod.Get, "/api/me");
        var created = await Send("POST /api/sessions", HttpMethod.Post, "/api/sessions", new { name = "bench" });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionId").GetString();
        await Send("GET /api/sessions", HttpMethod.Get, "/api/sessions");
        await Send("GET /api/sessions/{id}", HttpMethod.Get, $"/api/sessions/{id}");
        await Send("GET /api/sessions/{id} (not found)", HttpMethod.Get, $"/api/sessions/{Core.Ids.EntityId.New()}");
        await Send("GET /api/sessions/{id} (malformed)", HttpMethod.Get, "/api/sessions/nope");
        await Send("PATCH /api/sessions/{id}", HttpMethod.Patch, $"/api/sessions/{id}", new { name = "renamed" });
        await Send("DELETE /api/sessions/{id}", HttpMethod.Delete, $"/api/sessions/{id}");
        await Send("POST /api/auth/logout-all", HttpMethod.Post, "/api/auth/logout-all");
        await http.PostAsJsonAsync("/api/auth/login", credentials);
        var again = await http.PostAsJsonAsync("/api/auth/login", credentials);
        cookie = again.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        csrf = (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrfToken").GetString();
        await Send("POST /api/auth/logout", HttpMethod.Post, "/api/auth/logout");
        await Task.Delay(300);

        Console.WriteLine("AWS round trips per route (from each request's log line; secrets are cached and not counted)");
        foreach (var (route, response) in rows)
        {
            var requestId = response.Headers.GetValues("X-Request-Id").Single();
            var line = api.Lines.Select(l => JsonDocument.Parse(l).RootElement)
                .FirstOrDefault(l => l.TryGetProperty("correlation_id", out var c) && c.GetString() == requestId &&
                                     l.TryGetProperty("aws_calls", out _));
            var calls = line.ValueKind == JsonValueKind.Object ? line.GetProperty("aws_calls").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";
            Console.WriteLine($"  {route,-40} {(int)response.StatusCode,4} {calls,3}");
        }
    }
}
