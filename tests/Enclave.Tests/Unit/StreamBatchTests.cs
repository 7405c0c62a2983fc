using System.Collections.Concurrent;
using Enclave.Core.Ids;
using Enclave.Functions.Processing;

namespace Enclave.Tests.Unit;

public sealed class StreamBatchTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly string owner = EntityId.New().Value;
    private readonly string session = EntityId.New().Value;

    private DynamoStreamRecord Uploaded(int sequence, string? upload = null, string status = "uploaded") => new(
        "MODIFY",
        new DynamoStreamData(null, new Dictionary<string, StreamValue>
        {
            ["pk"] = new("USER#" + owner, null),
            ["sk"] = new($"UPLOAD#{session}#{upload ?? EntityId.New().Value}", null),
            ["status"] = new(status, null),
        }, sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public async Task Jobs_run_as_many_at_once_as_configured_and_never_more()
    {
        var records = Enumerable.Range(1, 12).Select(i => Uploaded(i)).ToList();
        var inFlight = 0;
        var most = 0;
        var fourRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ran = new ConcurrentBag<string>();

        var failures = await StreamBatch.RunAsync(records, 4, async (job, ct) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            if (now == 4)
            {
                fourRunning.TrySetResult();
            }

            // The first jobs only finish once four run together: sequential processing would wait here for ever.
            await fourRunning.Task.WaitAsync(Patience, ct);
            ran.Add(job.Upload);
            Interlocked.Decrement(ref inFlight);
            return true;
        }, CancellationToken.None);

        Assert.Empty(failures);
        Assert.Equal(12, ran.Distinct().Count());
        Assert.Equal(4, most);
    }

    [Fact]
    public async Task Only_the_earliest_failed_record_is_reported_even_when_a_later_one_fails_first()
    {
        var records = Enumerable.Range(1, 6).Select(i => Uploaded(i)).ToList();
        var uploadOf = records.Select(r => r.Dynamodb!.NewImage!["sk"].S!.Split('#')[2]).ToList();
        var laterFailed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ran = new ConcurrentBag<string>();

        var failures = await StreamBatch.RunAsync(records, 6, async (job, ct) =>
        {
            ran.Add(job.Upload);
            if (job.Upload == uploadOf[4])
            {
                laterFailed.TrySetResult();
                return false;
            }

            if (job.Upload == uploadOf[1])
            {
                await laterFailed.Task.WaitAsync(Patience, ct);
                return false;
            }

            return true;
        }, CancellationToken.None);

        Assert.Equal("2", Assert.Single(failures).ItemIdentifier);
        Assert.Equal(6, ran.Count);
    }

    [Fact]
    public async Task A_repeated_image_of_one_upload_runs_once_and_other_records_are_not_jobs()
    {
        var upload = EntityId.New().Value;
        DynamoStreamRecord[] records =
        [
            Uploaded(1, upload), Uploaded(2, upload), Uploaded(3, status: "processing"), Uploaded(4, status: "ready"),
            new("REMOVE", new DynamoStreamData(null, null, "5")), Uploaded(6),
        ];
        var ran = new ConcurrentBag<UploadJob>();

        var failures = await StreamBatch.RunAsync(records, 4, (job, _) =>
        {
            ran.Add(job);
            return Task.FromResult(job.Upload != upload);
        }, CancellationToken.None);

        Assert.Equal(2, ran.Count);
        Assert.Single(ran, job => job.Upload == upload && job.Sequence == "1" && job.Owner == owner && job.Session == session);
        Assert.Equal("1", Assert.Single(failures).ItemIdentifier);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }
}
