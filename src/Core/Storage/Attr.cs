using System.Globalization;

using Amazon.DynamoDBv2.Model;

namespace Enclave.Core.Storage;

/// <summary>Attribute names shared by every table, and small converters for the low-level client.</summary>
public static class Attr
{
    public const string Pk = "pk";
    public const string Sk = "sk";

    /// <summary>Epoch seconds; DynamoDB TTL deletes after it, and reads filter on it because deletion lags.</summary>
    public const string Ttl = "ttl";

    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static Dictionary<string, AttributeValue> Key(string pk, string sk) => new()
    {
        [Pk] = S(pk),
        [Sk] = S(sk),
    };

    public static string? GetS(this Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S : null;

    public static long GetN(this Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.N is { } n
            ? long.Parse(n, NumberStyles.Integer, CultureInfo.InvariantCulture)
            : 0;

    public static string RequireS(this Dictionary<string, AttributeValue> item, string name) =>
        item.GetS(name) ?? throw new InvalidDataException($"Stored item lacks '{name}'.");

    public static bool IsLive(this Dictionary<string, AttributeValue> item, DateTimeOffset now) =>
        !item.ContainsKey(Ttl) || item.GetN(Ttl) > now.ToUnixTimeSeconds();

    /// <summary>Stored times have millisecond precision, so what a write returns equals what a read returns.</summary>
    public static DateTimeOffset Millis(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    public static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
