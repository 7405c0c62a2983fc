using System.Net;
using System.Text.Json;

using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

public sealed class LoggingTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private const int Users = 50;

    [Fact]
    public async Task Under_50_concurrent_users_every_log_line_carries_exactly_its_own_requests_ids_and_no_secret()
    {
        var clients = new List<ApiClient>();
        var sessions = new Dictionary<string, string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(Enumerable.Range(0, Users), new ParallelOptions { MaxDegreeOfParallelism = 10 }, async (_, _) =>
        {
            var client = fixture.Client();
            await client.RegisterAndSignInAsync();
            var session = await client.CreateSessionAsync("logged");
            lock (clients)
            {
                clients.Add(client);
                sessions[client.UserId!] = session;
            }
        });

        // One burst: every user reads their own session at the same moment.
        var expected = new Dictionary<string, (string User, string Session)>(StringComparer.Ordinal);
        var responses = await Task.WhenAll(clients.Select(async client =>
        {
            var response = await client.GetAsync($"/api/sessions/{sessions[client.UserId!]}");
            return (client, response);
        }));
        foreach (var (client, response) in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            expected[response.Headers.GetValues("X-Request-Id").Single()] = (client.UserId!, sessions[client.UserId!]);
        }

        // The completion line is the last a request writes; wait for all of them.
        await WaitForAsync(() => expected.Keys.All(id => fixture.Api.Lines.Any(l =>
            l.Contains(id, StringComparison.Ordinal) && l.Contains("Request finished", StringComparison.Ordinal))));
        var lines = fixture.Api.Lines.Where(l => !l.StartsWith("stderr:", StringComparison.Ordinal)).ToList();
        var parsed = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var checkedLines = 0;
        foreach (var line in parsed)
        {
            foreach (var field in new[] { "level", "message", "timestamp", "service", "cold_start" })
            {
                Assert.True(line.TryGetProperty(field, out _), $"missing {field}: {line}");
            }

            if (line.TryGetProperty("user_id", out var userId) && userId.ValueKind == JsonValueKind.String)
            {
                Assert.True(line.TryGetProperty("correlation_id", out _), $"user id without request id: {line}");
            }

            if (!line.TryGetProperty("correlation_id", out var requestId) || !expected.TryGetValue(requestId.GetString()!, out var owner))
            {
                continue;
            }

            checkedLines++;
            Assert.Equal(requestId.GetString(), line.GetProperty("request_id").GetString());
            if (line.TryGetProperty("user_id", out var user))
            {
                Assert.Equal(owner.User, user.GetString());
            }

            if (line.TryGetProperty("session_id", out var session))
            {
                Assert.Equal(owner.Session, session.GetString());
            }
        }

        // Each burst request logged its access record (with user and session) and its completion line.
        foreach (var (requestId, owner) in expected)
        {
            var own = parsed.Where(l => l.TryGetProperty("correlation_id", out var id) && id.GetString() == requestId).ToList();
            Assert.Contains(own, l => l.TryGetProperty("session_id", out var s) && s.GetString() == owner.Session &&
                                      l.GetProperty("user_id").GetString() == owner.User);
            Assert.Contains(own, l => l.GetProperty("message").GetString()!.StartsWith("Request finished", StringComparison.Ordinal));
        }

        Assert.True(checkedLines >= Users * 2, $"only {checkedLines} lines checked");
        var everything = string.Join('\n', lines);
        Assert.DoesNotContain(ApiClient.Password, everything, StringComparison.Ordinal);
        foreach (var client in clients)
        {
            Assert.DoesNotContain(client.Cookie!, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(client.CsrfToken!, everything, StringComparison.Ordinal);
            client.Dispose();
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }
    }
}
