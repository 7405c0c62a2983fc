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

    private LoginThrottle Throttle(TimeProvider clock) => new(
        dynamo,
        Options.Create(new StorageOptions { IdentityTable = storage.IdentityTable, DataTable = "unused", AuditTable = "unused", UploadBucket = "unused" }),
        Options.Create(new LimitsOptions { RegistrationsPerClientIp = 1, ThrottleWindowSeconds = Window }),
        clock);
}
