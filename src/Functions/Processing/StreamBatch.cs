using Enclave.Core.Storage;
using Enclave.Core.Uploads;

namespace Enclave.Functions.Processing;

/// <summary>An upload that just became "uploaded", read from its stream record.</summary>
internal sealed record UploadJob(string Sequence, string Owner, string Session, string Upload)
{
    /// <summary>Only new images of upload items whose status is "uploaded" are jobs.</summary>
    public static UploadJob? From(DynamoStreamRecord record)
    {
        var image = record.Dynamodb?.NewImage;
        if (record.EventName is not ("INSERT" or "MODIFY") || image is null ||
            !image.TryGetValue("status", out var status) || status.S != UploadStatus.Uploaded ||
            image.GetValueOrDefault("pk")?.S is not { } pk || image.GetValueOrDefault("sk")?.S is not { } sk)
        {
            return null;
        }

        return DataKeys.TryReadUpload(pk, sk, out var key) && !key.IsTombstone
            ? new UploadJob(record.Dynamodb?.SequenceNumber ?? "", key.OwnerId, key.SessionId, key.UploadId)
            : null;
    }
}

/// <summary>
/// Runs the jobs of one stream batch a few at once and answers what the event source must deliver again.
/// </summary>
internal static class StreamBatch
{
    /// <summary>
    /// Each upload runs once per batch (a repeated "uploaded" image is the same job; two runs of one upload at once
    /// would race each other's finish). The answer names only the earliest failed record: the event source delivers
    /// again from it on, and the later jobs that did finish then find their uploads settled.
    /// </summary>
    public static async Task<IReadOnlyList<BatchItemFailure>> RunAsync(
        IEnumerable<DynamoStreamRecord> records, int atOnce, Func<UploadJob, CancellationToken, Task<bool>> run,
        CancellationToken cancellationToken)
    {
        var jobs = records.Select(UploadJob.From).OfType<UploadJob>().DistinctBy(job => (job.Owner, job.Session, job.Upload)).ToList();
        var succeeded = new bool[jobs.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, jobs.Count),
            new ParallelOptions { MaxDegreeOfParallelism = atOnce, CancellationToken = cancellationToken },
            async (index, ct) => succeeded[index] = await run(jobs[index], ct));
        var firstFailed = Array.IndexOf(succeeded, false);
        return firstFailed < 0 ? [] : [new BatchItemFailure(jobs[firstFailed].Sequence)];
    }
}
