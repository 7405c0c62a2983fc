using Amazon.DynamoDBv2.Model;
using Enclave.Core.Storage;

namespace Enclave.Core.Sessions;

/// <summary>
/// When a session item counts as live, said once: its TTL has not passed (DynamoDB removes expired items late) and no
/// delete of it is under way. The expressions need <c>#ttl</c> for <see cref="Attr.Ttl"/> and <c>:now</c> in epoch seconds.
/// </summary>
public static class SessionLiveness
{
    /// <summary>Set on a session while its delete removes its uploads; the session is gone for everyone from then on.</summary>
    public const string DeletingAttribute = "deleting";

    public const string Filter = "#ttl > :now AND attribute_not_exists(" + DeletingAttribute + ")";

    public const string Condition = "attribute_exists(pk) AND " + Filter;

    public static bool IsLive(Dictionary<string, AttributeValue>? item, DateTimeOffset now) =>
        item is { Count: > 0 } && item.IsLive(now) && !item.ContainsKey(DeletingAttribute);
}
