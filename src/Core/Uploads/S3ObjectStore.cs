using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Enclave.Core.Configuration;
using Enclave.Core.Security;
using Microsoft.Extensions.Options;

namespace Enclave.Core.Uploads;

/// <summary>The uploads bucket, reached only with the current user's scoped credentials (presigned forms and links included).</summary>
public sealed class S3ObjectStore(IUserDataClients userData, IOptions<StorageOptions> storage) : IObjectStore
{
    private IAmazonS3 S3 => userData.S3;

    private string Bucket => storage.Value.UploadBucket;

    public async Task<UploadForm> CreateUploadFormAsync(string key, string contentType, long maxBytes, DateTimeOffset expiresAt)
    {
        var request = new CreatePresignedPostRequest
        {
            BucketName = Bucket,
            Key = key,
            Expires = WholeSeconds(expiresAt),
            Fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["Content-Type"] = contentType },
            Conditions =
            [
                S3PostCondition.ExactMatch("Content-Type", contentType),
                S3PostCondition.ContentLengthRange(1, maxBytes),
            ],
        };
        var response = await userData.UploadFormSigner.CreatePresignedPostAsync(request);
        return new UploadForm(response.Url, response.Fields);
    }

    public async Task<DownloadLink> CreateDownloadLinkAsync(string key, string versionId, string fileName, string contentType, DateTimeOffset expiresAt)
    {
        var request = new GetPreSignedUrlRequest
        {
            BucketName = Bucket,
            Key = key,
            VersionId = versionId,
            Verb = HttpVerb.GET,
            Expires = WholeSeconds(expiresAt),
            Protocol = storage.Value.S3PresignOverHttp ? Protocol.HTTP : Protocol.HTTPS,
            ResponseHeaderOverrides = new ResponseHeaderOverrides
            {
                ContentDisposition = ContentDisposition.Attachment(fileName),
                ContentType = contentType,
            },
        };
        return new DownloadLink(await S3.GetPreSignedURLAsync(request), expiresAt);
    }

    public async Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var head = await S3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, cancellationToken);
            // An unversioned bucket answers no id (or "null"); pinning would then pin nothing, so that is a setup fault.
            return head.VersionId is { Length: > 0 } and not "null"
                ? new StoredObject(head.ContentLength, head.Headers.ContentType, head.VersionId)
                : throw new InvalidOperationException("The uploads bucket is not versioned.");
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<string> StartMultipartAsync(string key, string contentType, CancellationToken cancellationToken) =>
        (await S3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = Bucket, Key = key, ContentType = contentType }, cancellationToken))
        .UploadId;

    public Task<string> CreatePartUrlAsync(string key, string s3UploadId, int partNumber, long size, DateTimeOffset expiresAt)
    {
        var request = new GetPreSignedUrlRequest
        {
            BucketName = Bucket,
            Key = key,
            Verb = HttpVerb.PUT,
            UploadId = s3UploadId,
            PartNumber = partNumber,
            Expires = WholeSeconds(expiresAt),
            Protocol = storage.Value.S3PresignOverHttp ? Protocol.HTTP : Protocol.HTTPS,
        };
        // Signed into the URL: storage refuses a body of any other length (S3; verified on RGW in MultipartUploadTests).
        request.Headers.ContentLength = size;
        return S3.GetPreSignedURLAsync(request);
    }

    public async Task<IReadOnlyList<StoredPart>?> ListPartsAsync(string key, string s3UploadId, CancellationToken cancellationToken)
    {
        var parts = new List<StoredPart>();
        try
        {
            int? marker = null;
            do
            {
                var page = await S3.ListPartsAsync(
                    new ListPartsRequest { BucketName = Bucket, Key = key, UploadId = s3UploadId, PartNumberMarker = marker?.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    cancellationToken);
                parts.AddRange((page.Parts ?? []).Select(p => new StoredPart(p.PartNumber ?? 0, p.Size ?? 0, p.ETag)));
                marker = page.IsTruncated == true ? page.NextPartNumberMarker : null;
            }
            while (marker is not null);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchUpload")
        {
            return null;
        }

        return parts;
    }

    public async Task<StoredObject> CompleteMultipartAsync(string key, string s3UploadId, IReadOnlyList<StoredPart> parts, CancellationToken cancellationToken)
    {
        var done = await S3.CompleteMultipartUploadAsync(
            new CompleteMultipartUploadRequest
            {
                BucketName = Bucket,
                Key = key,
                UploadId = s3UploadId,
                PartETags = [.. parts.Select(p => new PartETag(p.PartNumber, p.ETag))],
            },
            cancellationToken);
        // The completed version is the one to pin, whatever the key's current version is by the time we look.
        var head = await S3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key, VersionId = done.VersionId }, cancellationToken);
        return head.VersionId is { Length: > 0 } and not "null"
            ? new StoredObject(head.ContentLength, head.Headers.ContentType, head.VersionId)
            : throw new InvalidOperationException("The uploads bucket is not versioned.");
    }

    public async Task AbortMultipartAsync(string key, string s3UploadId, CancellationToken cancellationToken)
    {
        try
        {
            await S3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = s3UploadId }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchUpload")
        {
            // Completed or aborted already: either way no part URL writes any more.
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => DeleteVersionsAsync(key, v => v.Key == key, cancellationToken);

    public Task<int> DeleteVersionsExceptAsync(string key, string keepVersionId, CancellationToken cancellationToken) =>
        DeleteVersionsAsync(key, v => v.Key == key && v.VersionId != keepVersionId, cancellationToken);

    public Task<int> DeletePrefixAsync(string prefix, CancellationToken cancellationToken) => DeleteVersionsAsync(prefix, _ => true, cancellationToken);

    private async Task<int> DeleteVersionsAsync(string prefix, Func<S3ObjectVersion, bool> doomed, CancellationToken cancellationToken)
    {
        var deleted = 0;
        string? keyMarker = null, versionMarker = null;
        do
        {
            var page = await S3.ListVersionsAsync(
                new ListVersionsRequest { BucketName = Bucket, Prefix = prefix, KeyMarker = keyMarker, VersionIdMarker = versionMarker, MaxKeys = 1000 },
                cancellationToken);
            var versions = (page.Versions ?? []).Where(doomed).ToList();
            // One DeleteObject per version rather than DeleteObjects: RGW refuses multi-object delete to session
            // credentials scoped to a prefix, and a session holds few versions per upload.
            await Parallel.ForEachAsync(
                versions,
                new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                async (version, token) => await DeleteVersionAsync(version.Key, version.VersionId, token));
            deleted += versions.Count;

            (keyMarker, versionMarker) = page.IsTruncated == true ? (page.NextKeyMarker, page.NextVersionIdMarker) : (null, null);
        }
        while (keyMarker is not null);

        return deleted;
    }

    private async Task DeleteVersionAsync(string key, string? versionId, CancellationToken cancellationToken) =>
        await S3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key, VersionId = versionId }, cancellationToken);

    public async Task PutAsync(string key, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(content.ToArray(), writable: false);
        await S3.PutObjectAsync(
            new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = stream, ContentType = contentType, AutoCloseStream = false },
            cancellationToken);
    }

    public async Task<byte[]?> GetBytesAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await S3.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key }, cancellationToken);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken);
            return buffer.ToArray();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// The SDK signs at a whole second and rounds the lifetime up, so a sub-second deadline would sign one second past
    /// it (X-Amz-Expires 901 for a 15-minute link): cut the deadline to its second.
    /// </summary>
    private static DateTime WholeSeconds(DateTimeOffset expiresAt) =>
        DateTimeOffset.FromUnixTimeSeconds(expiresAt.ToUnixTimeSeconds()).UtcDateTime;

    public async Task<Stream> OpenSequentialAsync(string key, string versionId, CancellationToken cancellationToken)
    {
        var response = await S3.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key, VersionId = versionId }, cancellationToken);
        return new OwningStream(response.ResponseStream, response);
    }

    public Stream OpenRead(string key, string versionId, long length) => new S3RangeStream(S3, Bucket, key, versionId, length);
}

/// <summary>RFC 6266 / RFC 5987 attachment header with a sanitized ASCII fallback name.</summary>
public static class ContentDisposition
{
    public static string Attachment(string fileName)
    {
        var fallback = new StringBuilder(fileName.Length);
        foreach (var c in fileName)
        {
            fallback.Append(c is >= ' ' and <= '~' and not '"' and not '\\' and not ';' and not '%' ? c : '_');
        }

        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(fileName))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '&' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~')
            {
                encoded.Append(c);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return $"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}";
    }
}

/// <summary>Keeps the S3 response alive as long as its body stream, and disposes both together.</summary>
internal sealed class OwningStream(Stream inner, IDisposable owner) : Enclave.Core.IO.ReadOnlyStream
{
    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            owner.Dispose();
        }

        base.Dispose(disposing);
    }
}
