using System.Text.Json.Serialization;

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
/// <param name="Multipart">Set when the file arrives in parts; null for a presigned POST.</param>
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
    [property: JsonIgnore] string? VersionId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MultipartPlan? Multipart = null);

/// <summary>How a multipart upload is cut: every part is <paramref name="PartSize"/> bytes except the last, which holds the rest.</summary>
/// <param name="S3UploadId">Storage's id of the multipart upload; part URLs are signed for it alone. Never shown to clients.</param>
public sealed record MultipartPlan(long PartSize, int PartCount, [property: JsonIgnore] string S3UploadId = "")
{
    /// <summary>S3 takes at most 10,000 parts per upload.</summary>
    public const int MaxParts = 10_000;

    /// <summary>The smallest part size (a whole number of MiB, at least <paramref name="minPartBytes"/>) that cuts the file into at most 10,000 parts.</summary>
    public static MultipartPlan For(long size, long minPartBytes)
    {
        const long MiB = 1024 * 1024;
        var needed = Math.Max(minPartBytes, (size + MaxParts - 1) / MaxParts);
        var partSize = (needed + MiB - 1) / MiB * MiB;
        return new MultipartPlan(partSize, (int)((size + partSize - 1) / partSize));
    }

    /// <summary>The size part <paramref name="partNumber"/> (1-based) must have for a file of <paramref name="size"/> bytes.</summary>
    public long ExpectedSize(int partNumber, long size) => partNumber < PartCount ? PartSize : size - ((PartCount - 1) * PartSize);
}

public sealed record UploadPage(IReadOnlyList<Upload> Items, string? NextCursor);

/// <summary>The browser's form for a direct POST to storage.</summary>
public sealed record UploadForm(string Url, IReadOnlyDictionary<string, string> Fields);

/// <summary>A new upload: a form for one POST, or a multipart plan whose part URLs the client asks for (exactly one is set).</summary>
public sealed record CreatedUpload(
    string UploadId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UploadForm? Upload,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MultipartPlan? Multipart,
    DateTimeOffset ExpiresAt);

/// <summary>A presigned UploadPart PUT of one part.</summary>
public sealed record PartUrl(int PartNumber, string Url, DateTimeOffset ExpiresAt);

public sealed record PartUrls(IReadOnlyList<PartUrl> Parts);

/// <summary>A part storage already holds.</summary>
public sealed record StoredPart(int PartNumber, long Size, string ETag);

public sealed record StoredParts(long PartSize, int PartCount, IReadOnlyList<StoredPart> Parts);

public sealed record DownloadLink(string Url, DateTimeOffset ExpiresAt);
