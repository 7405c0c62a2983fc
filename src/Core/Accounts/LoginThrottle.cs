using System.Security.Cryptography;
using System.Text;

using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

using Enclave.Core.Configuration;
using Enclave.Core.Storage;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Accounts;

public sealed record ThrottleVerdict(bool Allowed, TimeSpan RetryAfter);

/// <summary>
/// Fixed windows that start at the first attempt, counted with atomic updates in DynamoDB, so the
/// limit holds however many processes serve the requests. TTL removes old counters.
/// </summary>
public sealed class LoginThrottle(IAmazonDynamoDB dynamo, IOptions<StorageOptions> storage, IOptions<LimitsOptions> limits, TimeProvider clock)
{
    public async Task<ThrottleVerdict> CheckLoginAsync(string email, string clientIp, CancellationToken cancellationToken)
    {
        var verdicts = await Task.WhenAll(
            CountAsync("login-account", email, limits.Value.LoginAttemptsPerAccount, cancellationToken),
            CountAsync("login-ip", clientIp, limits.Value.LoginAttemptsPerClientIp, cancellationToken));
        return Combine(verdicts);
    }

    public async Task<ThrottleVerdict> CheckRegisterAsync(string clientIp, CancellationToken cancellationToken) =>
        await CountAsync("register-ip", clientIp, limits.Value.LoginAttemptsPerClientIp, cancellationToken);

    private static ThrottleVerdict Combine(ThrottleVerdict[] verdicts) =>
        verdicts.All(v => v.Allowed)
            ? new ThrottleVerdict(true, TimeSpan.Zero)
            : new ThrottleVerdict(false, verdicts.Where(v => !v.Allowed).Max(v => v.RetryAfter));

    private async Task<ThrottleVerdict> CountAsync(string scope, string subject, int limit, CancellationToken cancellationToken)
    {
        // The subject is hashed so counters never hold an email or address in the clear.
        var pk = $"THROTTLE#{scope}#{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subject)))}";
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var now = clock.GetUtcNow().ToUnixTimeSeconds();
            var inWindow = await TryIncrementAsync(pk, now, cancellationToken);
            if (inWindow is { } counted)
            {
                return Verdict(counted.Count, counted.WindowEnds, limit);
            }

            var windowEnds = now + limits.Value.ThrottleWindowSeconds;
            if (await TryStartWindowAsync(pk, now, windowEnds, cancellationToken))
            {
                return Verdict(1, windowEnds, limit);
            }
        }

        throw new DependencyUnavailableException("Throttle counter kept changing under contention.");
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

    private async Task<(long Count, long WindowEnds)?> TryIncrementAsync(string pk, long now, CancellationToken cancellationToken)
    {
        try
        {
            var response = await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = storage.Value.IdentityTable,
                    Key = Attr.Key(pk, "THROTTLE"),
                    UpdateExpression = "ADD #count :one",
                    ConditionExpression = "#windowEnds > :now",
                    ExpressionAttributeNames = new() { ["#count"] = "count", ["#windowEnds"] = "windowEnds" },
                    ExpressionAttributeValues = new() { [":one"] = Attr.N(1), [":now"] = Attr.N(now) },
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
