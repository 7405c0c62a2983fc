using Enclave.Core.Ids;

namespace Enclave.Core.Storage;

/// <summary>
/// Every key of the data table, built and read here and nowhere else. Each partition key begins with the owner, so
/// ownership is part of the address; the IAM session policy scopes it with <c>dynamodb:LeadingKeys</c> on <see cref="Owner"/>.
/// </summary>
public static class DataKeys
{
    /// <summary>The start of every partition key of the data table (the stream filter matches on it).</summary>
    public const string OwnerPrefix = "USER#";

    /// <summary>The sort-key prefix of all of an owner's sessions, for <c>begins_with</c>.</summary>
    public const string SessionsPrefix = "SESSION#";

    /// <summary>The sort-key prefix of every upload item (the stream filter matches on it).</summary>
    public const string UploadsPrefix = "UPLOAD#";

    private const string TombstonePrefix = "TOMBSTONE#";

    /// <summary>The owner's session register: the set of ids of their sessions, beside the sessions themselves.</summary>
    public const string SessionRegister = "SESSIONS";

    public static string Owner(string ownerId) => OwnerPrefix + ownerId;

    public static string Session(string sessionId) => SessionsPrefix + sessionId;

    public static string SessionIdOf(string sessionSortKey) => sessionSortKey[SessionsPrefix.Length..];

    public static string Upload(string sessionId, string uploadId) => $"{UploadsPrefix}{sessionId}#{uploadId}";

    /// <summary>The sort-key prefix of a session's uploads, for <c>begins_with</c>.</summary>
    public static string UploadsOf(string sessionId) => $"{UploadsPrefix}{sessionId}#";

    /// <summary>What remains of an upload deleted while its form could still write, for the sweeper.</summary>
    public static string Tombstone(string sessionId, string uploadId) => $"{TombstonePrefix}{sessionId}#{uploadId}";

    /// <summary>Reads the ids back out of an upload's or a tombstone's keys; false for any other item.</summary>
    public static bool TryReadUpload(string? pk, string? sk, out UploadItemKey key)
    {
        key = default;
        if (pk is null || sk is null || !pk.StartsWith(OwnerPrefix, StringComparison.Ordinal) ||
            sk.Split('#') is not [var kind, var session, var upload] || kind + "#" is not (UploadsPrefix or TombstonePrefix) ||
            !EntityId.TryParse(pk[OwnerPrefix.Length..], out var owner) ||
            !EntityId.TryParse(session, out var sessionId) || !EntityId.TryParse(upload, out var uploadId))
        {
            return false;
        }

        key = new UploadItemKey(owner.Value, sessionId.Value, uploadId.Value, kind + "#" == TombstonePrefix);
        return true;
    }
}

/// <summary>The ids in the keys of an upload item, or of its tombstone.</summary>
public readonly record struct UploadItemKey(string OwnerId, string SessionId, string UploadId, bool IsTombstone);
