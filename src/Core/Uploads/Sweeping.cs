using Enclave.Core.Storage;

namespace Enclave.Core.Uploads;

/// <summary>One item the sweeper is due to look at: an upload whose window passed, or what is left of a deleted one.</summary>
/// <param name="Tombstone">The upload was deleted while its form could still write; only its objects are left to remove.</param>
public sealed record SweepEntry(string OwnerId, string SessionId, string UploadId, bool Tombstone);

/// <summary>When an upload's writers are all dead, so the sweeper may judge what storage holds for it.</summary>
public static class SweepSchedule
{
    /// <summary>Past the form's expiry, for clock skew between storage and us.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(15);

    public static DateTimeOffset DueAt(DateTimeOffset createdAt, int formMinutes) => createdAt.AddMinutes(formMinutes) + Slack;

    /// <summary>The index partition of an entry; ids end in random hex digits, so entries spread evenly.</summary>
    public static string Shard(string uploadId) =>
        $"SWEEP#{Convert.ToInt32(uploadId[^1].ToString(), 16) % TableSchemas.SweepShards}";
}

/// <summary>The work list, read across all owners. It yields ids only; every look at an entry runs with its owner's credentials.</summary>
public interface ISweepList
{
    Task<IReadOnlyList<SweepEntry>> DueAsync(int limitPerShard, CancellationToken cancellationToken);
}

/// <summary>An incomplete multipart upload in storage, found by listing the bucket rather than from an upload item.</summary>
public sealed record OpenMultipartUpload(string OwnerId, string SessionId, string UploadId, string S3UploadId, DateTimeOffset Initiated);

/// <summary>
/// Incomplete multipart uploads under <c>users/</c>, listed with the processor's own credentials, which may list them
/// and nothing else of the bucket: the answer is keys, upload ids and times. Aborting one runs with its owner's credentials.
/// </summary>
public interface IMultipartUploadList
{
    /// <summary>Those initiated before <paramref name="initiatedBefore"/>, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<OpenMultipartUpload>> OpenAsync(DateTimeOffset initiatedBefore, int limit, CancellationToken cancellationToken);
}
