namespace Enclave.Core.Uploads;

/// <summary>The current version of an object: what <c>complete</c> checks and then pins by its version id.</summary>
public sealed record StoredObject(long Size, string? ContentType, string VersionId);

/// <summary>The uploads bucket: presigned forms and links for the browser, and the few reads the API itself makes.</summary>
public interface IObjectStore
{
    /// <summary>A presigned POST that storage accepts only for this exact key, content type and size range.</summary>
    Task<UploadForm> CreateUploadFormAsync(string key, string contentType, long maxBytes, DateTimeOffset expiresAt);

    /// <summary>A presigned GET of exactly this version, whatever was written to the key since.</summary>
    Task<DownloadLink> CreateDownloadLinkAsync(string key, string versionId, string fileName, string contentType, DateTimeOffset expiresAt);

    Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Starts a multipart upload of the key with its content type fixed; returns storage's upload id.</summary>
    Task<string> StartMultipartAsync(string key, string contentType, CancellationToken cancellationToken);

    /// <summary>A presigned UploadPart PUT for this key, upload id and part number only, with the part's size signed in.</summary>
    Task<string> CreatePartUrlAsync(string key, string s3UploadId, int partNumber, long size, DateTimeOffset expiresAt);

    /// <summary>The parts storage holds for the multipart upload, by part number; null when it is no longer open.</summary>
    Task<IReadOnlyList<StoredPart>?> ListPartsAsync(string key, string s3UploadId, CancellationToken cancellationToken);

    /// <summary>Assembles the listed parts into the object; returns the new version with its size and content type.</summary>
    Task<StoredObject> CompleteMultipartAsync(string key, string s3UploadId, IReadOnlyList<StoredPart> parts, CancellationToken cancellationToken);

    /// <summary>Aborts the multipart upload so no part URL can write any more; a no-op when it is gone already.</summary>
    Task AbortMultipartAsync(string key, string s3UploadId, CancellationToken cancellationToken);

    /// <summary>Removes every version of the key (and its delete markers) at once.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes every version of the key (and its delete markers) except the pinned one; returns how many.</summary>
    Task<int> DeleteVersionsExceptAsync(string key, string keepVersionId, CancellationToken cancellationToken);

    /// <summary>Deletes every version of every object under the prefix, a page at a time; returns how many versions.</summary>
    Task<int> DeletePrefixAsync(string prefix, CancellationToken cancellationToken);

    Task PutAsync(string key, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken);

    Task<byte[]?> GetBytesAsync(string key, CancellationToken cancellationToken);

    /// <summary>One streaming GET of this version, for formats read front to back.</summary>
    Task<Stream> OpenSequentialAsync(string key, string versionId, CancellationToken cancellationToken);

    /// <summary>A read-only, seekable view of this version that fetches ranges on demand (ZIP needs seeking; nothing touches disk).</summary>
    Stream OpenRead(string key, string versionId, long length);
}
