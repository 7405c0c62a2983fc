namespace Enclave.Core.Uploads;

public sealed record StoredObject(long Size, string? ContentType);

/// <summary>The uploads bucket: presigned forms and links for the browser, and the few reads the API itself makes.</summary>
public interface IObjectStore
{
    /// <summary>A presigned POST that storage accepts only for this exact key, content type and size range.</summary>
    Task<UploadForm> CreateUploadFormAsync(string key, string contentType, long maxBytes, DateTimeOffset expiresAt);

    Task<DownloadLink> CreateDownloadLinkAsync(string key, string fileName, string contentType, DateTimeOffset expiresAt);

    Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes every object under the prefix, a page at a time; returns how many.</summary>
    Task<int> DeletePrefixAsync(string prefix, CancellationToken cancellationToken);

    Task PutAsync(string key, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken);

    Task<byte[]?> GetBytesAsync(string key, CancellationToken cancellationToken);

    /// <summary>One streaming GET, for formats read front to back.</summary>
    Task<Stream> OpenSequentialAsync(string key, CancellationToken cancellationToken);

    /// <summary>A read-only, seekable view of an object that fetches ranges on demand (ZIP needs seeking; nothing touches disk).</summary>
    Stream OpenRead(string key, long length);
}
