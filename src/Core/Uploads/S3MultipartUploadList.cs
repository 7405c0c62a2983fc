using Amazon.S3;
using Amazon.S3.Model;
using Enclave.Core.Configuration;
using Enclave.Core.Security;
using Microsoft.Extensions.Options;

namespace Enclave.Core.Uploads;

/// <summary>ListMultipartUploads under <c>users/</c> with the host's own S3 client (in AWS: the processor role, allowed this listing only).</summary>
public sealed class S3MultipartUploadList(IAmazonS3 s3, IOptions<StorageOptions> storage) : IMultipartUploadList
{
    public async Task<IReadOnlyList<OpenMultipartUpload>> OpenAsync(DateTimeOffset initiatedBefore, int limit, CancellationToken cancellationToken)
    {
        var open = new List<OpenMultipartUpload>();
        string? keyMarker = null, idMarker = null;
        do
        {
            var page = await s3.ListMultipartUploadsAsync(
                new ListMultipartUploadsRequest
                {
                    BucketName = storage.Value.UploadBucket,
                    Prefix = UploadKeys.AllUsersPrefix,
                    KeyMarker = keyMarker,
                    UploadIdMarker = idMarker,
                },
                cancellationToken);
            foreach (var upload in page.MultipartUploads ?? [])
            {
                // A key the app never makes is not ours to judge; the lifecycle rule aborts it.
                if (upload.Initiated is { } initiated && initiated.ToUniversalTime() < initiatedBefore.UtcDateTime &&
                    UploadKeys.TryParseOriginal(upload.Key, out var owner, out var session, out var uploadId))
                {
                    open.Add(new OpenMultipartUpload(owner, session, uploadId, upload.UploadId, new DateTimeOffset(initiated.ToUniversalTime())));
                }
            }

            (keyMarker, idMarker) = page.IsTruncated == true && open.Count < limit ? (page.NextKeyMarker, page.NextUploadIdMarker) : (null, null);
        }
        while (keyMarker is not null);

        return open.Count > limit ? open[..limit] : open;
    }
}
