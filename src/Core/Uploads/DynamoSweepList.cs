using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Enclave.Core.Configuration;
using Enclave.Core.Storage;
using Microsoft.Extensions.Options;

namespace Enclave.Core.Uploads;

/// <summary>
/// Queries the keys-only sweep index with the processor's own credentials, which IAM allows on that index and
/// nothing else of the data table: the answer is owner, session and upload ids with a time.
/// </summary>
public sealed class DynamoSweepList(IAmazonDynamoDB dynamo, IOptions<StorageOptions> storage, TimeProvider clock) : ISweepList
{
    public async Task<IReadOnlyList<SweepEntry>> DueAsync(int limitPerShard, CancellationToken cancellationToken)
    {
        var now = Attr.Iso(clock.GetUtcNow());
        var due = new List<SweepEntry>();
        for (var shard = 0; shard < TableSchemas.SweepShards; shard++)
        {
            var page = await dynamo.QueryAsync(
                new QueryRequest
                {
                    TableName = storage.Value.DataTable,
                    IndexName = TableSchemas.SweepDue,
                    KeyConditionExpression = "#shard = :shard AND #at <= :now",
                    ExpressionAttributeNames = new() { ["#shard"] = TableSchemas.SweepShard, ["#at"] = TableSchemas.SweepAt },
                    ExpressionAttributeValues = new() { [":shard"] = Attr.S($"SWEEP#{shard}"), [":now"] = Attr.S(now) },
                    Limit = limitPerShard,
                },
                cancellationToken);
            foreach (var item in page.Items)
            {
                if (DynamoUploadStore.TryReadSweepEntry(item, out var entry))
                {
                    due.Add(entry);
                }
            }
        }

        return due;
    }
}
