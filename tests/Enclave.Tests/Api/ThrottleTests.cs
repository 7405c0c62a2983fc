using System.Diagnostics;
using System.Globalization;
using System.Net;

using Enclave.Core.Audit;
using Enclave.Tests.Infrastructure;
using Enclave.Tests.Isolation;

using Xunit.Abstractions;

namespace Enclave.Tests.Api;

/// <summary>
/// Issue 5 part 5 and issue 12 item 5: the sign-in limits are counted in DynamoDB, so three processes
/// together behave exactly as configured, whichever process each attempt reaches. Per client address,
/// failed sign-ins beyond the limit are refused with 429 and Retry-After. Per account nothing is ever
/// refused: failures beyond a free allowance make further attempts wait, and the right password still
/// signs in. Successful sign-ins are not failures. The access records show what happened.
/// </summary>
public sealed class ThrottleTests(ITestOutputHelper output)
{
    private const int Processes = 3;
    private const string ViewerHeader = "CloudFront-Viewer-Address";

    [Fact]
    public async Task Account_failures_slow_attempts_but_never_refuse_the_right_password_across_three_processes()
    {
        const int free = 5;
        const int maxDelaySeconds = 2;
        const int attempts = 21;
        var watch = Stopwatch.StartNew();
        await using var cluster = await ApiCluster.StartAsync(Processes, withProcessor: false, s =>
        {
            s["Enclave__Limits__LoginFailuresPerAccount"] = free.ToString(CultureInfo.InvariantCulture);
            s["Enclave__Limits__LoginDelayMaxSeconds"] = maxDelaySeconds.ToString(CultureInfo.InvariantCulture);
        });
        using var owner = cluster.Apis[0].CreateClient();
        var email = ApiClient.NewEmail();
        await owner.RegisterAndVerifyAsync(email);

        // Someone else guesses, all at once, round-robin: every guess is answered, none refused.
        var responses = await Task.WhenAll(Enumerable.Range(0, attempts).Select(async i =>
        {
            using var client = cluster.Apis[i % Processes].CreateClient();
            return await client.PostAsync("/api/auth/login", new { email, password = "a wrong passphrase " + i });
        }));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));

        // The owner still signs in on every process, after the delay the guesses earned.
        foreach (var api in cluster.Apis)
        {
            using var again = api.CreateClient();
            var started = Stopwatch.StartNew();
            Assert.Equal(HttpStatusCode.OK, (await again.PostAsync("/api/auth/login", new { email, password = ApiClient.Password })).StatusCode);
            Assert.True(started.Elapsed >= TimeSpan.FromSeconds(maxDelaySeconds), $"signed in after {started.Elapsed.TotalSeconds:0.00} s, without the delay");
        }

        var logins = (await cluster.AccessRecordsAsync()).Select(r => r.Record).Where(r => r.Action == "auth.login").ToList();
        Assert.Equal(attempts, logins.Count(r => r is { Outcome: AccessOutcome.Denied, Reason: "invalid-credentials" }));
        Assert.Equal(Processes, logins.Count(r => r is { Outcome: AccessOutcome.Allowed, Reason: "after-failure-delay" }));
        Assert.DoesNotContain(logins, r => r.Reason == "throttled");
        Assert.Equal(Processes, logins.Select(r => r.InstanceId).Distinct().Count());

        await SummaryFile.WriteAsync(output, "throttle-account", string.Create(CultureInfo.InvariantCulture,
            $"throttle per account (issue 12 item 5): {attempts} concurrent wrong passwords round-robin over {Processes} processes, {free} free failures: " +
            $"all answered 401, none refused; the right password then signed in on all {Processes} after the {maxDelaySeconds} s delay; " +
            $"{logins.Count} login records match; {watch.Elapsed.TotalSeconds:0.0} s"));
    }

    [Fact]
    public async Task Successful_sign_ins_are_not_failures_and_earn_no_delay()
    {
        const int free = 2;
        await using var cluster = await ApiCluster.StartAsync(Processes, withProcessor: false, s =>
        {
            s["Enclave__Limits__LoginFailuresPerAccount"] = free.ToString(CultureInfo.InvariantCulture);
            s["Enclave__Limits__LoginDelayMaxSeconds"] = "20";
        });
        using var owner = cluster.Apis[0].CreateClient();
        var email = ApiClient.NewEmail();
        await owner.RegisterAndVerifyAsync(email);
        for (var i = 0; i < free * 4; i++)
        {
            using var client = cluster.Apis[i % Processes].CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/auth/login", new { email, password = ApiClient.Password })).StatusCode);
        }

        // The free failures are still all there after the successes.
        for (var i = 0; i < free; i++)
        {
            using var client = cluster.Apis[i % Processes].CreateClient();
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/api/auth/login", new { email, password = "a wrong passphrase" })).StatusCode);
        }

        using (var last = cluster.Apis[0].CreateClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await last.PostAsync("/api/auth/login", new { email, password = ApiClient.Password })).StatusCode);
        }

        var logins = (await cluster.AccessRecordsAsync()).Select(r => r.Record).Where(r => r.Action == "auth.login").ToList();
        Assert.Equal((free * 4) + 1, logins.Count(r => r is { Outcome: AccessOutcome.Allowed, Reason: null }));
        Assert.Equal(free, logins.Count(r => r is { Outcome: AccessOutcome.Denied, Reason: "invalid-credentials" }));
    }

    [Fact]
    public async Task Distinct_ipv6_viewers_get_distinct_buckets_whatever_their_ports()
    {
        const int limit = 3;
        const int attemptsPerAddress = 5;
        string[] addresses = ["2001:db8::1", "2001:db8::2", "2001:db8:0:1::1"];
        await using var cluster = await ApiCluster.StartAsync(Processes, withProcessor: false, s =>
        {
            s["Enclave__Limits__LoginAttemptsPerClientIp"] = limit.ToString(CultureInfo.InvariantCulture);
            s["Enclave__ClientAddress"] = "CloudFrontViewerAddress";
        });

        // CloudFront's form: unbracketed, a new five- or four-digit source port on every connection.
        var responses = new List<(string Address, HttpResponseMessage Response)>();
        foreach (var (address, n) in addresses.SelectMany(a => Enumerable.Range(0, attemptsPerAddress).Select(i => (a, i))))
        {
            using var http = cluster.Apis[n % Processes].CreateHttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { email = ApiClient.NewEmail(), password = "some passphrase here" }),
            };
            request.Headers.Add(ViewerHeader, $"{address}:{(n % 2 == 0 ? 46532 + n : 4653 + n)}");
            responses.Add((address, await http.SendAsync(request)));
        }

        foreach (var address in addresses)
        {
            var own = responses.Where(r => r.Address == address).Select(r => r.Response).ToList();
            Assert.Equal(limit, own.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
            await AssertThrottledAsync(own, attemptsPerAddress - limit);
        }

        var logins = (await cluster.AccessRecordsAsync()).Select(r => r.Record).Where(r => r.Action == "auth.login").ToList();
        Assert.Equal(addresses.Order(StringComparer.Ordinal), logins.Select(r => r.ClientIp).Distinct().Order(StringComparer.Ordinal));
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
            s["Enclave__ClientAddress"] = "CloudFrontViewerAddress";
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
            Assert.True(limit == own.Count(r => r.StatusCode == HttpStatusCode.Unauthorized), "statuses: " + string.Join(",", own.Select(r => (int)r.StatusCode)));
            await AssertThrottledAsync(own, attemptsPerAddress - limit);
        }

        var logins = (await cluster.AccessRecordsAsync()).Select(r => r.Record).Where(r => r.Action == "auth.login").ToList();
        foreach (var address in addresses)
        {
            Assert.Equal(limit, logins.Count(r => r.ClientIp == address && r.Reason == "invalid-credentials"));
            Assert.Equal(attemptsPerAddress - limit, logins.Count(r => r.ClientIp == address && r.Reason == "throttled"));
        }

        await SummaryFile.WriteAsync(output, "throttle-address", string.Create(CultureInfo.InvariantCulture,
            $"throttle per client address (issue 5 part 5; failures only since issue 12): {addresses.Length} addresses × {attemptsPerAddress} concurrent attempts on distinct accounts, " +
            $"round-robin over {Processes} processes, limit {limit}: {limit} processed and {attemptsPerAddress - limit} refused per address; " +
            $"{logins.Count} login records match; {watch.Elapsed.TotalSeconds:0.0} s"));
    }

    private static async Task AssertThrottledAsync(List<HttpResponseMessage> responses, int expected)
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
