using System.Security.Cryptography;
using System.Text;

using Amazon.DynamoDBv2.Model;

using Enclave.Core.Secrets;
using Enclave.Core.Storage;

namespace Enclave.Core.Audit;

/// <summary>
/// A record as read back, with what is needed to check its signature: the keys it was found under and the
/// MAC. An item that does not parse (a missing field, a malformed time) is kept as <see cref="Readable"/> false
/// and never verifies, so it counts as altered instead of failing the reader.
/// </summary>
public sealed record StoredAccessRecord(AccessRecord Record, IndexKeys Keys, string KeyId, string Mac, bool CoversKeys, bool Readable)
{
    public static StoredAccessRecord FromItem(Dictionary<string, AttributeValue> item)
    {
        var readable = AccessRecordItem.TryFromItem(item, out var record);
        return new StoredAccessRecord(
            readable ? record : AccessRecordItem.Unreadable(item),
            AccessRecordItem.StoredKeys(item),
            item.GetS("keyId") ?? "",
            item.GetS("mac") ?? "",
            item.GetS(AccessRecordItem.MacVersionAttribute) == AccessRecordItem.CurrentMacVersion,
            readable);
    }

    /// <summary>Constant-time comparison of the hex strings: a malformed MAC simply does not match.</summary>
    public bool Verify(SigningKey key)
    {
        if (!Readable || key.KeyId != KeyId)
        {
            return false;
        }

        var expected = key.SignToHex(CoversKeys ? Record.Canonical(Keys) : Record.LegacyCanonical());
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(Mac), Encoding.ASCII.GetBytes(expected));
    }
}
