using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.Runtime.Internal;

using Enclave.Core.Storage;

namespace Enclave.Functions.Hosting;

/// <summary>
/// For the capacity simulation only (enabled by <c>Enclave:AwsCallLog</c>, which the load suite sets): every call of every
/// AWS client of the process, as one JSON line — service, operation, and each partition it touches (table, index, partition
/// key, bytes, read or write units) with the consumed capacity DynamoDB reports. Partition keys are user ids: never on in AWS.
/// </summary>
internal sealed partial class AwsCallRecorder(string path) : IRuntimePipelineCustomizer, IDisposable
{
    private readonly StreamWriter writer = new(path, append: true, new UTF8Encoding(false)) { AutoFlush = true };
    private readonly Lock gate = new();

    public string UniqueName => "Enclave.AwsCallRecorder";

    // Before the marshaller, so the request can still ask for its consumed capacity.
    public void Customize(Type type, RuntimePipeline pipeline) => pipeline.AddHandlerBefore<Marshaller>(new RecordingHandler(this));

    public void Dispose() => writer.Dispose();

    private void Write(AmazonWebServiceRequest request, AmazonWebServiceResponse? response)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            var op = request.GetType().Name;
            json.WriteString("service", request.GetType().Namespace?.Split('.')[1] ?? "?");
            json.WriteString("op", op.EndsWith("Request", StringComparison.Ordinal) ? op[..^"Request".Length] : op);
            json.WriteBoolean("ok", response is not null);
            json.WriteStartArray("touches");
            foreach (var t in Touches(request, response))
            {
                json.WriteStartObject();
                json.WriteString("table", t.Table);
                if (t.Index is not null)
                {
                    json.WriteString("index", t.Index);
                }

                json.WriteString("pk", t.Pk);
                json.WriteNumber("bytes", t.Bytes);
                json.WriteString("kind", t.Write ? "write" : "read");
                json.WriteNumber("units", t.Units);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (ConsumedOf(response) is { Count: > 0 } consumed)
            {
                json.WriteNumber("consumed", consumed.Sum(c => c.CapacityUnits ?? 0));
            }

            json.WriteEndObject();
        }

        var line = Encoding.UTF8.GetString(buffer.ToArray());
        lock (gate)
        {
            writer.WriteLine(line);
        }
    }

    private sealed record Touch(string Table, string? Index, string Pk, long Bytes, bool Write, double Units);

    private static List<ConsumedCapacity>? ConsumedOf(AmazonWebServiceResponse? response) => response switch
    {
        GetItemResponse r => r.ConsumedCapacity is { } c ? [c] : null,
        PutItemResponse r => r.ConsumedCapacity is { } c ? [c] : null,
        UpdateItemResponse r => r.ConsumedCapacity is { } c ? [c] : null,
        DeleteItemResponse r => r.ConsumedCapacity is { } c ? [c] : null,
        QueryResponse r => r.ConsumedCapacity is { } c ? [c] : null,
        ScanResponse r => r.ConsumedCapacity is { } c ? [c] : null,
        TransactWriteItemsResponse r => r.ConsumedCapacity,
        BatchWriteItemResponse r => r.ConsumedCapacity,
        _ => null,
    };

    private static void AskForCapacity(AmazonWebServiceRequest request)
    {
        switch (request)
        {
            case GetItemRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.INDEXES; break;
            case PutItemRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.INDEXES; break;
            case UpdateItemRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.INDEXES; break;
            case DeleteItemRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.INDEXES; break;
            case QueryRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.INDEXES; break;
            case TransactWriteItemsRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.INDEXES; break;
            case TransactGetItemsRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.INDEXES; break;
            case BatchWriteItemRequest r: r.ReturnConsumedCapacity = ReturnConsumedCapacity.INDEXES; break;
        }
    }

    /// <summary>The global secondary indexes and the attribute that is each one's partition key (TableSchemas).</summary>
    private static (string Index, string Pk)[] Indexes =>
    [
        (TableSchemas.AuditBySession, TableSchemas.BySessionPk),
        (TableSchemas.AuditByDay, TableSchemas.ByDayPk),
        (TableSchemas.AuditBySubject, TableSchemas.BySubjectPk),
        (TableSchemas.SweepDue, TableSchemas.SweepShard),
    ];

    private static IEnumerable<Touch> Touches(AmazonWebServiceRequest request, AmazonWebServiceResponse? response)
    {
        switch (request)
        {
            case GetItemRequest r:
                var got = (response as GetItemResponse)?.Item is { Count: > 0 } item ? Size(item) : 0;
                return [Read(r.TableName, null, Pk(r.Key), got, r.ConsistentRead == true, transactional: false)];
            case PutItemRequest r:
                return Written(r.TableName, r.Item, transactional: false);
            case UpdateItemRequest r:
                return [new(r.TableName, null, Pk(r.Key), Size(r.Key) + Size(r.ExpressionAttributeValues), true, WriteUnits(Size(r.Key) + Size(r.ExpressionAttributeValues), false))];
            case DeleteItemRequest r:
                return [new(r.TableName, null, Pk(r.Key), Size(r.Key), true, 1)];
            case QueryRequest r:
                var bytes = (response as QueryResponse)?.Items?.Sum(Size) ?? 0;
                return [Read(r.TableName, r.IndexName, QueriedKey(r), bytes, r.ConsistentRead == true, transactional: false)];
            case ScanRequest r:
                return [Read(r.TableName, r.IndexName, "(scan)", (response as ScanResponse)?.Items?.Sum(Size) ?? 0, r.ConsistentRead == true, false)];
            case TransactWriteItemsRequest r:
                return (r.TransactItems ?? []).SelectMany(t =>
                    t.Put is { } put ? Written(put.TableName, put.Item, transactional: true)
                    : t.Update is { } update ? [new Touch(update.TableName, null, Pk(update.Key), Size(update.Key) + Size(update.ExpressionAttributeValues), true,
                        WriteUnits(Size(update.Key) + Size(update.ExpressionAttributeValues), true))]
                    : t.Delete is { } delete ? [new Touch(delete.TableName, null, Pk(delete.Key), Size(delete.Key), true, 2)]
                    : t.ConditionCheck is { } check ? [Read(check.TableName, null, Pk(check.Key), Size(check.Key), true, transactional: true)]
                    : []);
            case TransactGetItemsRequest r:
                var responses = (response as TransactGetItemsResponse)?.Responses;
                return (r.TransactItems ?? []).Select((t, i) => Read(t.Get.TableName, null, Pk(t.Get.Key),
                    responses?.ElementAtOrDefault(i)?.Item is { Count: > 0 } found ? Size(found) : 0, consistent: true, transactional: true));
            case BatchWriteItemRequest r:
                return (r.RequestItems ?? []).SelectMany(table => table.Value.SelectMany(w =>
                    w.PutRequest is { } put ? Written(table.Key, put.Item, transactional: false)
                    : w.DeleteRequest is { } delete ? [new Touch(table.Key, null, Pk(delete.Key), Size(delete.Key), true, 1)]
                    : []));
            case Amazon.S3.Model.PutObjectRequest r: return [Object(r.BucketName, r.Key, true)];
            case Amazon.S3.Model.GetObjectRequest r: return [Object(r.BucketName, r.Key, false)];
            case Amazon.S3.Model.GetObjectMetadataRequest r: return [Object(r.BucketName, r.Key, false)];
            case Amazon.S3.Model.DeleteObjectRequest r: return [Object(r.BucketName, r.Key, true)];
            case Amazon.S3.Model.DeleteObjectsRequest r: return (r.Objects ?? []).Select(o => Object(r.BucketName, o.Key, true));
            case Amazon.S3.Model.ListObjectsV2Request r: return [Object(r.BucketName, r.Prefix ?? "", false)];
            case Amazon.S3.Model.ListVersionsRequest r: return [Object(r.BucketName, r.Prefix ?? "", false)];
            default:
                return [];
        }
    }

    /// <summary>An item written to a table and to every index whose key it carries (each index write is its own partition write).</summary>
    private static IEnumerable<Touch> Written(string table, Dictionary<string, AttributeValue> item, bool transactional)
    {
        var size = Size(item);
        yield return new Touch(table, null, Pk(item), size, true, WriteUnits(size, transactional));
        foreach (var (index, pk) in Indexes)
        {
            if (item.GetS(pk) is { } key)
            {
                yield return new Touch(table, index, key, size, true, WriteUnits(size, transactional: false));
            }
        }
    }

    private static Touch Read(string table, string? index, string pk, long bytes, bool consistent, bool transactional) =>
        new(table, index, pk, bytes, false, Math.Max(1, Math.Ceiling(bytes / 4096.0)) * (transactional ? 2 : consistent ? 1 : 0.5));

    /// <summary>S3 scales per key prefix; the user's prefix is the partition that matters.</summary>
    private static Touch Object(string bucket, string key, bool write) =>
        new("s3:" + bucket, null, string.Join('/', key.Split('/').Take(2)), 0, write, 1);

    private static double WriteUnits(long bytes, bool transactional) => Math.Max(1, Math.Ceiling(bytes / 1024.0)) * (transactional ? 2 : 1);

    private static string Pk(Dictionary<string, AttributeValue> key) => key.GetS(Attr.Pk) ?? "?";

    private static string QueriedKey(QueryRequest r) =>
        KeyEquals().Match(r.KeyConditionExpression ?? "") is { Success: true } m && r.ExpressionAttributeValues?.TryGetValue(m.Groups[1].Value, out var v) == true
            ? v.S ?? v.N ?? "?"
            : "?";

    [GeneratedRegex(@"^\s*[#\w]+\s*=\s*(:\w+)")]
    private static partial Regex KeyEquals();

    /// <summary>DynamoDB's item size: attribute names plus values (numbers about one byte per two digits).</summary>
    private static long Size(Dictionary<string, AttributeValue>? item) => item?.Sum(a => Encoding.UTF8.GetByteCount(a.Key) + Size(a.Value)) ?? 0;

    private static long Size(AttributeValue v) =>
        v.S is not null ? Encoding.UTF8.GetByteCount(v.S)
        : v.N is not null ? (v.N.Length / 2) + 1
        : v.B is not null ? v.B.Length
        : v.SS is { Count: > 0 } ss ? ss.Sum(s => Encoding.UTF8.GetByteCount(s))
        : v.M is { Count: > 0 } m ? 3 + Size(m)
        : v.L is { Count: > 0 } l ? 3 + l.Sum(Size)
        : 1;

    private sealed class RecordingHandler(AwsCallRecorder recorder) : PipelineHandler
    {
        public override async Task<T> InvokeAsync<T>(IExecutionContext executionContext)
        {
            var request = executionContext.RequestContext.OriginalRequest;
            AskForCapacity(request);
            AmazonWebServiceResponse? response = null;
            try
            {
                var result = await base.InvokeAsync<T>(executionContext);
                response = result as AmazonWebServiceResponse;
                return result;
            }
            finally
            {
                recorder.Write(request, response);
            }
        }
    }
}
