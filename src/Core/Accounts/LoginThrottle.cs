using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Configuration;
using Enclave.Core.Storage;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Accounts;

public sealed record ThrottleVerdict(bool Allowed, TimeSpan RetryAfter);

/// <summary>What a sign-in attempt may do: be refused (per-address limit), or go ahead after a delay.</summary>
public sealed record LoginGate(ThrottleVerdict Address, TimeSpan AccountDelay);

/// <summary>
/// Counters in DynamoDB, in fixed windows that start at the first attempt, updated atomically so the
/// limits hold however many processes serve the requests; TTL removes old counters.
/// <list type="bullet">
/// <item>Per client address, a hard limit on failed sign-ins (429 + Retry-After) and on registrations.</item>
/// <item>Per account, no refusal at all: failed sign-ins beyond a free allowance make every further
/// attempt on that account wait (1 s, 2 s, 4 s … up to a cap) before the password is checked, so a
/// guesser is slowed while the owner, with the right password, always gets in. The account's counter is
/// sharded by client address (<see cref="LimitsOptions.AccountThrottleShards"/>): one address always meets its
/// own shard, so its failures count in full, while a run from many addresses writes many keys instead of one
/// hot key, and the owner's shard is mostly not the one the run fills.</item>
/// </list>
/// Sign-ins count failures, not attempts: an attempt reserves one count up front (so concurrent
/// attempts cannot overshoot the limit) and a successful sign-in gives its count back.
/// </summary>
public sealed class LoginThrottle(IAmazonDynamoDB dynamo, IOptions<StorageOptions> storage, IOptions<LimitsOptions> limits, TimeProvider clock)
{
    private const string AccountScope = "login-account-failures";
    private const string AddressScope = "login-ip-failures";
    private const string RegisterScope = "register-ip";
    private const string ResetAddressScope = "reset-ip";
    private const string ResetAccountScope = "reset-account";

    public async Task<LoginGate> CheckLoginAsync(string email, string clientIp, CancellationToken cancellationToken)
    {
        var address = CountAsync(Key(AddressScope, clientIp), cancellationToken);
        var account = CountAsync(AccountKey(email, clientIp), cancellationToken);
        var (addressCount, addressWindowEnds) = await address;
        var (accountCount, _) = await account;
        var verdict = Verdict(addressCount, addressWindowEnds, limits.Value.LoginAttemptsPerClientIp);
        return new LoginGate(verdict, DelayAfter(accountCount - 1));
    }

    /// <summary>The attempt signed in: its reserved counts were not failures.</summary>
    public Task RecordSuccessAsync(string email, string clientIp, CancellationToken cancellationToken) =>
        Task.WhenAll(RefundAsync(AccountKey(email, clientIp), cancellationToken), RefundAsync(Key(AddressScope, clientIp), cancellationToken));

    /// <summary>The attempt was refused before its password was checked: not a failure of the account.</summary>
    public Task RecordRefusedAsync(string email, string clientIp, CancellationToken cancellationToken) => RefundAsync(AccountKey(email, clientIp), cancellationToken);

    public async Task<ThrottleVerdict> CheckRegisterAsync(string clientIp, CancellationToken cancellationToken)
    {
        var (count, windowEnds) = await CountAsync(Key(RegisterScope, clientIp), cancellationToken);
        return Verdict(count, windowEnds, limits.Value.RegistrationsPerClientIp);
    }

    /// <summary>Reset requests: a hard limit per client address (429), and per account a cap on how many mails go out.</summary>
    public async Task<(ThrottleVerdict Address, bool AccountAllowed)> CheckResetAsync(string email, string clientIp, CancellationToken cancellationToken)
    {
        var address = CountAsync(Key(ResetAddressScope, clientIp), cancellationToken);
        var account = CountAsync(Key(ResetAccountScope, email), cancellationToken);
        var (addressCount, addressWindowEnds) = await address;
        var (accountCount, _) = await account;
        return (Verdict(addressCount, addressWindowEnds, limits.Value.PasswordResetsPerClientIp), accountCount <= limits.Value.PasswordResetsPerAccount);
    }

    /// <summary>No wait for the free failures, then doubling from one second up to the cap.</summary>
    private TimeSpan DelayAfter(long failuresBefore)
    {
        var excess = failuresBefore - limits.Value.LoginFailuresPerAccount;
        return excess <= 0
            ? TimeSpan.Zero
            : TimeSpan.FromSeconds(Math.Min(limits.Value.LoginDelayMaxSeconds, Math.Pow(2, Math.Min(excess - 1, 30))));
    }

    /// <summary>
    /// The wait is measured when the answer is given, in whole seconds rounded up, and never exceeds one window:
    /// a clock read taken just before another process opened the window (or a clock step) would otherwise tell
    /// the client to wait longer than the window lasts.
    /// </summary>
    private ThrottleVerdict Verdict(long count, long windowEnds, int limit)
    {
        var left = DateTimeOffset.FromUnixTimeSeconds(windowEnds) - clock.GetUtcNow();
        var seconds = Math.Clamp(Math.Ceiling(left.TotalSeconds), 1, limits.Value.ThrottleWindowSeconds);
        return new ThrottleVerdict(count <= limit, TimeSpan.FromSeconds(seconds));
    }

    // The subject is hashed so counters never hold an email or address in the clear.
    private static string Key(string scope, string subject) =>
        $"THROTTLE#{scope}#{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subject)))}";

    private string AccountKey(string email, string clientIp)
    {
        var shard = BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(clientIp))) % (uint)limits.Value.AccountThrottleShards;
        return Key(AccountScope, email) + "#" + shard.ToString("D3", CultureInfo.InvariantCulture);
    }

    private async Task<(long Count, long WindowEnds)> CountAsync(string pk, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var now = clock.GetUtcNow().ToUnixTimeSeconds();
            if (await TryAddAsync(pk, 1, now, cancellationToken) is { } counted)
            {
                return (counted.Count, counted.WindowEnds);
            }

            var windowEnds = now + limits.Value.ThrottleWindowSeconds;
            if (await TryStartWindowAsync(pk, now, windowEnds, cancellationToken))
            {
                return (1, windowEnds);
            }
        }

        throw new DependencyUnavailableException("Throttle counter kept changing under contention.");
    }

    /// <summary>Gives one count back within the same window; a window that ended meanwhile has nothing to give back.</summary>
    private async Task RefundAsync(string pk, CancellationToken cancellationToken) =>
        _ = await TryAddAsync(pk, -1, clock.GetUtcNow().ToUnixTimeSeconds(), cancellationToken);

    private async Task<(long Count, long WindowEnds)?> TryAddAsync(string pk, int delta, long now, CancellationToken cancellationToken)
    {
        try
        {
            var response = await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = storage.Value.IdentityTable,
                    Key = Attr.Key(pk, "THROTTLE"),
                    UpdateExpression = "ADD #count :delta",
                    ConditionExpression = "#windowEnds > :now",
                    ExpressionAttributeNames = new() { ["#count"] = "count", ["#windowEnds"] = "windowEnds" },
                    ExpressionAttributeValues = new() { [":delta"] = Attr.N(delta), [":now"] = Attr.N(now) },
                    ReturnValues = ReturnValue.ALL_NEW,
                },
                cancellationToken);
            return (response.Attributes.GetN("count"), response.Attributes.GetN("windowEnds"));
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    private async Task<bool> TryStartWindowAsync(string pk, long now, long windowEnds, CancellationToken cancellationToken)
    {
        var item = Attr.Key(pk, "THROTTLE");
        item["count"] = Attr.N(1);
        item["windowEnds"] = Attr.N(windowEnds);
        item[Attr.Ttl] = Attr.N(windowEnds + 60);
        try
        {
            await dynamo.PutItemAsync(
                new PutItemRequest
                {
                    TableName = storage.Value.IdentityTable,
                    Item = item,
                    ConditionExpression = "attribute_not_exists(pk) OR #windowEnds <= :now",
                    ExpressionAttributeNames = new() { ["#windowEnds"] = "windowEnds" },
                    ExpressionAttributeValues = new() { [":now"] = Attr.N(now) },
                },
                cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }
}
