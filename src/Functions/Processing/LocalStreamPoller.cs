using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Enclave.Core.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Enclave.Functions.Processing;

/// <summary>
/// Local mode only: stands in for Lambda's event source mapping. It reads DynamoDB Local's stream of the
/// data table and posts each batch, in the Lambda event format, to this process's own /events path —
/// the same path the Web Adapter uses in AWS — retrying failed batches like the mapping does.
/// </summary>
internal sealed partial class LocalStreamPoller(
    IAmazonDynamoDB dynamo,
    IOptions<StorageOptions> storage,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<LocalStreamPoller> logger) : BackgroundService
{
    private const int MaxDeliveries = 5;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await WaitForStartAsync(stoppingToken);
        var address = server.Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(5) };
        var options = storage.Value;
        using var streams = new AmazonDynamoDBStreamsClient(new AmazonDynamoDBStreamsConfig { ServiceURL = options.DynamoDbServiceUrl, AuthenticationRegion = "us-east-1" });
        var table = await dynamo.DescribeTableAsync(options.DataTable, stoppingToken);
        var streamArn = table.Table.LatestStreamArn;
        var iterators = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var anything = false;
                var description = await streams.DescribeStreamAsync(new DescribeStreamRequest { StreamArn = streamArn }, stoppingToken);
                foreach (var shard in description.StreamDescription.Shards)
                {
                    if (!iterators.TryGetValue(shard.ShardId, out var iterator))
                    {
                        iterator = (await streams.GetShardIteratorAsync(
                            new GetShardIteratorRequest { StreamArn = streamArn, ShardId = shard.ShardId, ShardIteratorType = ShardIteratorType.TRIM_HORIZON },
                            stoppingToken)).ShardIterator;
                    }

                    if (iterator is null)
                    {
                        continue;
                    }

                    var records = await streams.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = 100 }, stoppingToken);
                    iterators[shard.ShardId] = records.NextShardIterator;
                    if (records.Records is { Count: > 0 } batch)
                    {
                        anything = true;
                        await DeliverAsync(http, batch, stoppingToken);
                    }
                }

                if (!anything)
                {
                    await Task.Delay(200, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPollFailed(logger, ex.GetType().Name);
                await Task.Delay(1000, stoppingToken);
            }
        }
    }

    private async Task DeliverAsync(HttpClient http, List<Record> batch, CancellationToken cancellationToken)
    {
        var pending = batch;
        for (var delivery = 1; pending.Count > 0; delivery++)
        {
            using var content = new StringContent(ToLambdaEvent(pending), Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(EventsApi.Path, content, cancellationToken);
            var failed = response.IsSuccessStatusCode
                ? JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(cancellationToken), EventJsonContext.Default.BatchResponse)?.BatchItemFailures.FirstOrDefault()
                : new BatchItemFailure(pending[0].Dynamodb.SequenceNumber);
            if (failed is null)
            {
                return;
            }

            if (delivery >= MaxDeliveries)
            {
                LogDeadLetter(logger, failed.ItemIdentifier);
                return;
            }

            pending = pending.SkipWhile(r => r.Dynamodb.SequenceNumber != failed.ItemIdentifier).ToList();
            await Task.Delay(TimeSpan.FromMilliseconds(500 * delivery), cancellationToken);
        }
    }

    private static string ToLambdaEvent(List<Record> records)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("Records");
            foreach (var record in records)
            {
                json.WriteStartObject();
                json.WriteString("eventName", record.EventName?.Value);
                json.WriteString("eventSource", "aws:dynamodb");
                json.WriteStartObject("dynamodb");
                WriteImage(json, "Keys", record.Dynamodb.Keys);
                WriteImage(json, "NewImage", record.Dynamodb.NewImage);
                json.WriteString("SequenceNumber", record.Dynamodb.SequenceNumber);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteImage(Utf8JsonWriter json, string name, Dictionary<string, AttributeValue>? image)
    {
        if (image is null)
        {
            return;
        }

        json.WriteStartObject(name);
        foreach (var (key, value) in image)
        {
            if (value.S is not null || value.N is not null)
            {
                json.WriteStartObject(key);
                json.WriteString(value.S is not null ? "S" : "N", value.S ?? value.N);
                json.WriteEndObject();
            }
        }

        json.WriteEndObject();
    }

    private async Task WaitForStartAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream poll failed: {Error}")]
    private static partial void LogPollFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {SequenceNumber} failed {MaxDeliveries} deliveries; dead-lettered", SkipEnabledCheck = true)]
    private static partial void LogDeadLetterCore(ILogger logger, string sequenceNumber, int maxDeliveries);

    private static void LogDeadLetter(ILogger logger, string sequenceNumber) => LogDeadLetterCore(logger, sequenceNumber, MaxDeliveries);
}
