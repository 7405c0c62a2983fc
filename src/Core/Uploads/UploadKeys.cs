namespace Enclave.Core.Uploads;

/// <summary>
/// Object keys of user data. Every key starts with the owner's prefix, and none contains anything the
/// user typed: the original file name is metadata only.
/// </summary>
public static class UploadKeys
{
    /// <summary>The prefix of every user's objects, e.g. to list storage's multipart uploads of all users.</summary>
    public const string AllUsersPrefix = "users/";

    public static string UserPrefix(string ownerId) => $"{AllUsersPrefix}{ownerId}/";

    public static string SessionPrefix(string ownerId, string sessionId) => $"{UserPrefix(ownerId)}sessions/{sessionId}/";

    public static string UploadPrefix(string ownerId, string sessionId, string uploadId) =>
        $"{SessionPrefix(ownerId, sessionId)}uploads/{uploadId}/";

    public static string Original(string ownerId, string sessionId, string uploadId) => UploadPrefix(ownerId, sessionId, uploadId) + "original";

    public static string Profile(string ownerId, string sessionId, string uploadId) => UploadPrefix(ownerId, sessionId, uploadId) + "profile.json";

    /// <summary>Reads the ids back out of an <see cref="Original"/> key; false for any other key.</summary>
    public static bool TryParseOriginal(string key, out string ownerId, out string sessionId, out string uploadId)
    {
        (ownerId, sessionId, uploadId) = ("", "", "");
        if (key.Split('/') is not ["users", var owner, "sessions", var session, "uploads", var upload, "original"] ||
            !Ids.EntityId.TryParse(owner, out var o) || !Ids.EntityId.TryParse(session, out var s) || !Ids.EntityId.TryParse(upload, out var u))
        {
            return false;
        }

        (ownerId, sessionId, uploadId) = (o.Value, s.Value, u.Value);
        return true;
    }
}
