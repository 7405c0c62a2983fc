namespace Enclave.Core.Uploads;

public static class UploadStatus
{
    public const string Pending = "pending";
    public const string Uploaded = "uploaded";
    public const string Processing = "processing";
    public const string Ready = "ready";
    public const string Rejected = "rejected";
    public const string Expired = "expired";

    /// <summary>Being removed: invisible to every read, finished by a retry of the delete.</summary>
    public const string Deleting = "deleting";
}

/// <param name="VersionId">The object version <c>complete</c> checked and pinned; the only one ever profiled or downloaded. Never shown to clients.</param>
public sealed record Upload(
    string UploadId,
    string SessionId,
    string FileName,
    string ContentType,
    long DeclaredSize,
    long? Size,
    string Status,
    string? Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset ExpiresAt,
    [property: System.Text.Json.Serialization.JsonIgnore] string? VersionId = null);

public sealed record UploadPage(IReadOnlyList<Upload> Items, string? NextCursor);

/// <summary>The browser's form for a direct POST to storage.</summary>
public sealed record UploadForm(string Url, IReadOnlyDictionary<string, string> Fields);

public sealed record CreatedUpload(string UploadId, UploadForm Upload, DateTimeOffset ExpiresAt);

public sealed record DownloadLink(string Url, DateTimeOffset ExpiresAt);
