using Amazon.DynamoDBv2;

using Enclave.Core.Configuration;
using Enclave.Core.Secrets;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Enclave.Core.Audit;

/// <summary>
/// The scheduled digest run (EventBridge Scheduler in AWS, a timer in the local processor): seals every
/// closed hourly window (UTC) of yesterday and today that has no digest yet, empty windows included, so
/// `verify --day` finds every closed window sealed once a run has passed it.
/// </summary>
public sealed partial class AuditDigestJob(
    IAmazonDynamoDB dynamo, IOptions<StorageOptions> storage, SigningKeys keys, TimeProvider clock, ILogger<AuditDigestJob> logger)
{
    public const string Name = "audit-digest";

    /// <summary>How often the schedule runs; a window is sealed at most this long (plus the grace) after it closes.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(15);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var digests = new AccessRecordDigests(dynamo, storage.Value.AuditTable, await keys.AuditKeyAsync(cancellationToken), clock,
            AccessRecordDigests.DefaultWindow, AccessRecordDigests.DefaultGrace, AccessRecordLayout.From(storage.Value));
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        foreach (var day in new[] { today.AddDays(-1), today })
        {
            var stats = await digests.SealDayAsync(day, cancellationToken);
            LogSealed(logger, day, stats.Written, stats.AlreadySealed, stats.Records, stats.Queries);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Digests {Day}: sealed {Written} windows now, {AlreadySealed} before, {Records} records, {Queries} queries")]
    private static partial void LogSealed(ILogger logger, DateOnly day, int written, int alreadySealed, long records, int queries);
}
