using Amazon.DynamoDBv2;

using Enclave.Core.Accounts;
using Enclave.Core.Configuration;
using Enclave.Core.Storage;
using Enclave.Tests.Audit;
using Enclave.Tests.Infrastructure;

using Microsoft.Extensions.Options;

namespace Enclave.Tests.Api;

/// <summary>
/// Issue 11: a throttled answer's wait never exceeds the window, even when the process that answers read its
/// clock a moment before another process opened the window (the CI flake: Retry-After 901 for a 900 s window).
/// Two throttles share one DynamoDB Local table, each with a clock the test sets.
/// </summary>
public sealed class ThrottleWindowTests : IAsyncLifetime
{
    private const int Window = 900;
    private readonly TestStorage storage = TestStorage.Create();
    private IAmazonDynamoDB dynamo = null!;

    public async Task InitializeAsync()
    {
        dynamo = (await LocalStack.GetAsync()).CreateDynamo();
        await dynamo.CreateTableAsync(TableSchemas.Identity(storage.IdentityTable));
    }

    public async Task DisposeAsync()
    {
        await dynamo.DeleteTableAsync(storage.IdentityTable);
        dynamo.Dispose();
    }

    [Theory]
    [InlineData(0.999, 0.001)]
    [InlineData(0.001, -0.001)]
    [InlineData(0.001, -3.0)]
    public async Task Retry_after_never_exceeds_the_window_when_another_process_opened_it_a_moment_later(double openerFraction, double laterFraction)
    {
        var second = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var opener = Throttle(new FixedClock(second.AddSeconds(openerFraction)));
        var behind = Throttle(new FixedClock(second.AddSeconds(laterFraction)));
        var ip = "192.0.2." + Random.Shared.Next(1, 250);

        var first = await opener.CheckRegisterAsync(ip, CancellationToken.None);
        var refused = await behind.CheckRegisterAsync(ip, CancellationToken.None);

        Assert.True(first.Allowed);
        Assert.False(refused.Allowed);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(Window));
        Assert.Equal(0, refused.RetryAfter.Ticks % TimeSpan.TicksPerSecond);
    }

    [Fact]
    public async Task Retry_after_counts_down_to_one_second_at_the_end_of_the_window()
    {
        var clock = new FixedClock(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        var throttle = Throttle(clock);
        var ip = "198.51.100." + Random.Shared.Next(1, 250);
        Assert.True((await throttle.CheckRegisterAsync(ip, CancellationToken.None)).Allowed);

        clock.Now = clock.Now.AddSeconds(Window - 0.25);
        var last = await throttle.CheckRegisterAsync(ip, CancellationToken.None);

        Assert.False(last.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(1), last.RetryAfter);
    }

    /// <summary>Issue 16.1: a run against one account from many addresses writes many counter keys, never one hot key.</summary>
    [Theory]
    [InlineData(64)]
    [InlineData(1)]
    public async Task An_accounts_failure_counter_is_sharded_by_address_and_one_address_always_meets_its_own_shard(int shards)
    {
        var throttle = Throttle(TimeProvider.System, shards, freeFailures: 2);
        var email = ApiClient.NewEmail();
        const int addresses = 40;
        var delayed = 0;
        for (var i = 0; i < addresses; i++)
        {
            delayed += (await throttle.CheckLoginAsync(email, $"203.0.113.{i + 1}", CancellationToken.None)).AccountDelay > TimeSpan.Zero ? 1 : 0;
        }

        var counters = await AccountCountersAsync(email);
        Assert.Equal(addresses, counters.Values.Sum());
        // Each shard is its own allowance: on a shard, the attempts after the two free failures and the one that meets the limit wait.
        Assert.Equal(counters.Values.Sum(c => Math.Max(0, c - 3)), delayed);
        if (shards == 1)
        {
            Assert.Single(counters);
            Assert.Equal(addresses - 3, delayed);
        }
        else
        {
            // Fixed addresses, so a fixed spread: far from one key.
            Assert.True(counters.Count >= 20, $"{counters.Count} keys");
            Assert.True(counters.Values.Max() < 6, $"busiest key {counters.Values.Max()}");
        }

        // One address's failures all land on its shard: beyond the free ones (its own and any it shares), it waits.
        var guesser = "198.51.100.77";
        var delays = new List<TimeSpan>();
        for (var i = 0; i < 4; i++)
        {
            delays.Add((await throttle.CheckLoginAsync(email, guesser, CancellationToken.None)).AccountDelay);
        }

        Assert.True(delays[^1] > TimeSpan.Zero, string.Join(", ", delays));
        Assert.Equal(addresses + 4, (await AccountCountersAsync(email)).Values.Sum());

        // A sign-in that succeeds gives its count back on the same shard.
        await throttle.RecordSuccessAsync(email, guesser, CancellationToken.None);
        Assert.Equal(addresses + 3, (await AccountCountersAsync(email)).Values.Sum());
    }

    private async Task<Dictionary<string, long>> AccountCountersAsync(string email)
    {
        var prefix = "THROTTLE#login-account-failures#" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(email)));
        var scan = await dynamo.ScanAsync(new Amazon.DynamoDBv2.Model.ScanRequest
        {
            TableName = storage.IdentityTable,
            FilterExpression = "begins_with(pk, :prefix)",
            ExpressionAttributeValues = new() { [":prefix"] = Attr.S(prefix) },
            ConsistentRead = true,
        });
        return scan.Items.ToDictionary(i => i[Attr.Pk].S, i => long.Parse(i["count"].N, System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);
    }

    private LoginThrottle Throttle(TimeProvider clock, int accountShards = 64, int freeFailures = 10) => new(
        dynamo,
        Options.Create(new StorageOptions { IdentityTable = storage.IdentityTable, DataTable = "unused", AuditTable = "unused", UploadBucket = "unused" }),
        Options.Create(new LimitsOptions
        {
            RegistrationsPerClientIp = 1,
            ThrottleWindowSeconds = Window,
            AccountThrottleShards = accountShards,
            LoginFailuresPerAccount = freeFailures,
        }),
        clock);
}
