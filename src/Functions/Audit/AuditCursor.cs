using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

using Amazon.DynamoDBv2.Model;

using Enclave.Core.Secrets;

namespace Enclave.Functions.Audit;

/// <summary>
/// The audit route's paging cursor: DynamoDB's LastEvaluatedKey as JSON, then an HMAC (cookie key) over
/// that JSON and the query it belongs to. Opaque to callers; a forged, edited or transplanted cursor
/// does not verify, so it can never steer a Query into another partition.
/// </summary>
internal static class AuditCursor
{
    private const int MaxLength = 2048;

    public static string Encode(Dictionary<string, AttributeValue> lastKey, string queryScope, SigningKey key)
    {
        var json = ToJson(lastKey);
        return Base64Url.EncodeToString(json) + "." + Base64Url.EncodeToString(Mac(json, queryScope, key));
    }

    public static Dictionary<string, AttributeValue>? Decode(string cursor, string queryScope, SigningKey key)
    {
        var dot = cursor.IndexOf('.', StringComparison.Ordinal);
        if (cursor.Length > MaxLength || dot <= 0)
        {
            return null;
        }

        try
        {
            var json = Base64Url.DecodeFromChars(cursor.AsSpan(0, dot));
            var mac = Base64Url.DecodeFromChars(cursor.AsSpan(dot + 1));
            if (!CryptographicOperations.FixedTimeEquals(mac, Mac(json, queryScope, key)))
            {
                return null;
            }

            using var document = JsonDocument.Parse(json);
            return document.RootElement.EnumerateObject()
                .ToDictionary(p => p.Name, p => new AttributeValue { S = p.Value.GetString() }, StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    // Every key attribute of the audit table and its indexes is a string.
    private static byte[] ToJson(Dictionary<string, AttributeValue> lastKey)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in lastKey.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WriteString(name, value.S);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static byte[] Mac(ReadOnlySpan<byte> json, string queryScope, SigningKey key)
    {
        var scope = Encoding.UTF8.GetBytes("audit-cursor-v1|" + queryScope + "|");
        return key.Sign([.. scope, .. json]);
    }
}
