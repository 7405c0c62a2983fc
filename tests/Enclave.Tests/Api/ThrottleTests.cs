using System.Diagnostics;
using System.Globalization;
using System.Net;

using Enclave.Core.Audit;
using Enclave.Tests.Infrastructure;
using Enclave.Tests.Isolation;

using Xunit.Abstractions;

namespace Enclave.Tests.Api;

/// <summary>
/// Issue 5, part 5: the login limits are counted in DynamoDB, so three processes together process exactly
/// the configured number of attempts, whichever process each attempt reaches, and refuse the rest with
/// 429 and Retry-After. The access records show which attempts were processed and which were refused.
/// </summary>
public sealed class ThrottleTests(ITestOutputHelper output)
{
    private const int Processes = 3;
    private const string ViewerHeader = "X-Test-Viewer-Address";

    [Fact]
    public async Task Account_limit_is_exact_across_three_processes()
    {
        const int limit = 5;
        const int attempts = 21;
        var watch = Stopwatch.StartNew();
        await using var cluster = await ApiCluster.StartAsync(Processes, withProcessor: false,
            s => s["Enclave__Limits__LoginAttemptsPerAccount"] = limit.ToString(CultureInfo.InvariantCulture));
        using var owner = cluster.Apis[0].CreateClient();
        var email = ApiClient.NewEmail();
        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsync("/api/auth/register", new { email, password = ApiClient.Password })).StatusCode);

        // All at once, round-robin: every process sees a third of the attempts.
        var responses = await Task.WhenAll(Enumerable.Range(0, attempts).Select(async i =>
        {
            using var client = cluster.Apis[i % Processes].CreateClient();
            return await client.PostAsync("/api/auth/login", new { email, password = "a wrong passphrase " + i });
        }));
        Assert.Equal(limit, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
        await AssertThrottledAsync(responses, attempts - limit);

        // Once the limit is reached, even the right password is refused, on every process.
        foreach (var api in cluster.Apis)
        {
            using var again = api.CreateClient();
            Assert.Equal(HttpStatusCode.TooManyRequests, (await again.PostAsync("/api/auth/login", new { email, password = ApiClient.Password })).StatusCode);
        }

        var logins = (await cluster.AccessRecordsAsync()).Select(r => r.Record).Where(r => r.Action == "auth.login").ToList();
        Assert.Equal(limit, logins.Count(r => r is { Outcome: AccessOutcome.Denied, Reason: "invalid-credentials" }));
        Assert.Equal(attempts - limit + Processes, logins.Count(r => r is { Outcome: AccessOutcome.Denied, Reason: "throttled" }));
        Assert.Equal(attempts + Processes, logins.Count);
        Assert.Equal(Processes, logins.Select(r => r.InstanceId).Distinct().Count());

        await SummaryFile.WriteAsync(output, "throttle-account", string.Create(CultureInfo.InvariantCulture,
            $"throttle per account (issue 5 part 5): {attempts} concurrent attempts round-robin over {Processes} processes, limit {limit}: " +
            $"{limit} processed, {attempts - limit} refused with 429 + Retry-After, then the right password refused on all {Processes}; " +
            $"{logins.Count} login records match; {watch.Elapsed.TotalSeconds:0.0} s"));
    }

    [Fact]
    public async Task Client_address_limit_is_exact_per_address_across_accounts_and_three_processes()
    {
        const int limit = 6;
        const int attemptsPerAddress = 14;
        string[] addresses = ["198.51.100.7", "203.0.113.9"];
        var watch = Stopwatch.StartNew();
        await using var cluster = await ApiCluster.StartAsync(Processes, withProcessor: false, s =>
        {
            s["Enclave__Limits__LoginAttemptsPerClientIp"] = limit.ToString(CultureInfo.InvariantCulture);
            s["Enclave__ClientIpHeader"] = ViewerHeader;
        });

        // Both addresses at once, each attempt for a different account, round-robin over the processes.
        var sent = addresses.SelectMany(address => Enumerable.Range(0, attemptsPerAddress).Select(i => (Address: address, Index: i))).ToList();
        var responses = await Task.WhenAll(sent.Select(async (attempt, n) =>
        {
            using var http = cluster.Apis[n % Processes].CreateHttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { email = ApiClient.NewEmail(), password = "some passphrase here" }),
            };
            request.Headers.Add(ViewerHeader, attempt.Address + ":443");
            return (attempt.Address, Response: await http.SendAsync(request));
        }));

        foreach (var address in addresses)
        {
            var own = responses.Where(r => r.Address == address).Select(r => r.Response).ToList();
            Assert.Equal(limit, own.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
            await AssertThrottledAsync(own, attemptsPerAddress - limit);
        }

        var logins = (await cluster.AccessRecordsAsync()).Select(r => r.Record).Where(r => r.Action == "auth.login").ToList();
        foreach (var address in addresses)
        {
            Assert.Equal(limit, logins.Count(r => r.ClientIp == address && r.Reason == "invalid-credentials"));
            Assert.Equal(attemptsPerAddress - limit, logins.Count(r => r.ClientIp == address && r.Reason == "throttled"));
        }

        await SummaryFile.WriteAsync(output, "throttle-address", string.Create(CultureInfo.InvariantCulture,
            $"throttle per client address (issue 5 part 5): {addresses.Length} addresses × {attemptsPerAddress} concurrent attempts on distinct accounts, " +
            $"round-robin over {Processes} processes, limit {limit}: {limit} processed and {attemptsPerAddress - limit} refused per address; " +
            $"{logins.Count} login records match; {watch.Elapsed.TotalSeconds:0.0} s"));
    }

    private static async Task AssertThrottledAsync(IReadOnlyCollection<HttpResponseMessage> responses, int expected)
    {
        var throttled = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(expected, throttled.Count);
        Assert.Equal(responses.Count, responses.Count(r => r.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests));
        foreach (var response in throttled)
        {
            await Problem.AssertAsync(response, HttpStatusCode.TooManyRequests);
            Assert.InRange(response.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 900);
        }
    }
}
