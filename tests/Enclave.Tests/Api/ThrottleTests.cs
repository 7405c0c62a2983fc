using System.Net;

using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Api;

/// <summary>The login limits are counted in DynamoDB, so two processes together allow exactly the limit.</summary>
public sealed class ThrottleTests
{
    [Fact]
    public async Task Account_limit_holds_across_two_processes()
    {
        const int limit = 5;
        var stack = await LocalStack.GetAsync();
        var settings = ApiProcess.Settings(stack, TestStorage.Create());
        settings["Enclave__Limits__LoginAttemptsPerAccount"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var first = await ApiProcess.StartAsync(settings);
        await using var second = await ApiProcess.StartAsync(settings);
        using var owner = first.CreateClient();
        await owner.RegisterAndSignInAsync();

        var attempts = Enumerable.Range(0, 14).Select(async i =>
        {
            using var client = (i % 2 == 0 ? first : second).CreateClient();
            return await client.PostAsync("/api/auth/login", new { email = owner.Email, password = "a wrong passphrase " + i });
        });
        var responses = await Task.WhenAll(attempts);

        // The successful sign-in above counted as one attempt in the window.
        Assert.Equal(limit - 1, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
        var throttled = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(14 - (limit - 1), throttled.Count);
        foreach (var response in throttled)
        {
            await Problem.AssertAsync(response, HttpStatusCode.TooManyRequests);
            Assert.InRange(response.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 900);
        }

        using var again = second.CreateClient();
        var correct = await again.PostAsync("/api/auth/login", new { email = owner.Email, password = ApiClient.Password });
        Assert.Equal(HttpStatusCode.TooManyRequests, correct.StatusCode);
    }

    [Fact]
    public async Task Client_ip_limit_holds_across_accounts_and_processes()
    {
        const int limit = 6;
        var stack = await LocalStack.GetAsync();
        var settings = ApiProcess.Settings(stack, TestStorage.Create());
        settings["Enclave__Limits__LoginAttemptsPerClientIp"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var first = await ApiProcess.StartAsync(settings);
        await using var second = await ApiProcess.StartAsync(settings);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            using var client = (i % 2 == 0 ? first : second).CreateClient();
            return await client.PostAsync("/api/auth/login", new { email = ApiClient.NewEmail(), password = "some passphrase here" });
        }));
        Assert.Equal(limit, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
        Assert.Equal(10 - limit, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
    }
}
