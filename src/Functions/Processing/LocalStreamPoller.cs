using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Enclave.Core.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Enclave.Functions.Processing;

/// <summary>
/// Local mode only: stands in for Lambda's event source mapping. It reads DynamoDB Local's stream of the
/// data table and posts each batch, in the Lambda event format, to this process's own /events path —
/// the path the Web Adapter uses in AWS — retrying failed batches like the mapping does. It speaks the
/// Streams JSON protocol directly because AWSSDK.DynamoDBStreams is not in our package source; DynamoDB
/// Local does not check signatures, and this code never runs against AWS.
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
        var self = new Uri(server.Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var options = storage.Value;
        var endpoint = new Uri(options.DynamoDbServiceUrl ?? throw new InvalidOperationException("Local mode needs Enclave:Storage:DynamoDbServiceUrl."));
        var streamArn = (await dynamo.DescribeTableAsync(options.DataTable, stoppingToken)).Table.LatestStreamArn;
        var iterators = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var anything = false;
                var stream = await CallAsync(http, endpoint, "DescribeStream", new JsonObject { ["StreamArn"] = streamArn }, stoppingToken);
                foreach (var shard in stream["StreamDescription"]!["Shards"]!.AsArray())
                {
                    var shardId = shard!["ShardId"]!.GetValue<string>();
                    if (!iterators.TryGetValue(shardId, out var iterator))
                    {
                        var start = await CallAsync(http, endpoint, "GetShardIterator",
                            new JsonObject { ["StreamArn"] = streamArn, ["ShardId"] = shardId, ["ShardIteratorType"] = "TRIM_HORIZON" }, stoppingToken);
                        iterator = start["ShardIterator"]?.GetValue<string>();
                    }

                    if (iterator is null)
                    {
                        continue;
                    }

                    JsonNode page;
                    try
                    {
                        page = await CallAsync(http, endpoint, "GetRecords", new JsonObject { ["ShardIterator"] = iterator, ["Limit"] = 100 }, stoppingToken);
                    }
                    catch (HttpRequestException)
                    {
                        // DynamoDB Local refuses a TRIM_HORIZON iterator taken while the shard was empty; take a fresh one.
                        iterators.Remove(shardId);
                        continue;
                    }

                    iterators[shardId] = page["NextShardIterator"]?.GetValue<string>();
                    if (page["Records"] is JsonArray { Count: > 0 } records)
                    {
                        anything = true;
                        await DeliverAsync(http, new Uri(self, EventsApi.Path), [.. records.Select(r => r!.DeepClone())], stoppingToken);
                    }
                }

                if (!anything)
                {
                    await Task.Delay(200, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPollFailed(logger, ex.Message);
                await Task.Delay(1000, stoppingToken);
            }
        }
    }

    private async Task DeliverAsync(HttpClient http, Uri events, List<JsonNode> batch, CancellationToken cancellationToken)
    {
        var pending = batch;
        for (var delivery = 1; pending.Count > 0; delivery++)
        {
            var body = new JsonObject { ["Records"] = new JsonArray([.. pending.Select(r => r.DeepClone())]) };
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(events, content, cancellationToken);
            var failed = response.IsSuccessStatusCode
                ? JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(cancellationToken), EventJsonContext.Default.BatchResponse)?.BatchItemFailures.FirstOrDefault()
                : new BatchItemFailure(Sequence(pending[0]));
            if (failed is null)
            {
                return;
            }

            if (delivery >= MaxDeliveries)
            {
                LogDeadLetter(logger, failed.ItemIdentifier, MaxDeliveries);
                return;
            }

            pending = [.. pending.SkipWhile(r => Sequence(r) != failed.ItemIdentifier)];
            await Task.Delay(TimeSpan.FromMilliseconds(500 * delivery), cancellationToken);
        }
    }

    private static string Sequence(JsonNode record) => record["dynamodb"]?["SequenceNumber"]?.GetValue<string>() ?? "";

    private static async Task<JsonNode> CallAsync(HttpClient http, Uri endpoint, string operation, JsonObject request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(request.ToJsonString(), Encoding.UTF8),
        };
        message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.0");
        message.Headers.TryAddWithoutValidation("X-Amz-Target", "DynamoDBStreams_20120810." + operation);
        message.Headers.TryAddWithoutValidation("X-Amz-Date", DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        message.Headers.TryAddWithoutValidation("Authorization",
            "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00");
        using var response = await http.SendAsync(message, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode
            ? JsonNode.Parse(text) ?? new JsonObject()
            : throw new HttpRequestException($"DynamoDB Local {operation} answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}");
    }

    private async Task WaitForStartAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream poll failed: {Error}")]
    private static partial void LogPollFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {SequenceNumber} failed {MaxDeliveries} deliveries; dead-lettered")]
    private static partial void LogDeadLetter(ILogger logger, string sequenceNumber, int maxDeliveries);
}
