using System.Text.Json.Serialization;

namespace Enclave.Functions.Processing;

/// <summary>
/// The parts of a Lambda DynamoDB Streams event that the processor reads; or a scheduled job's payload
/// (<see cref="Job"/>: the audit digest or the upload sweep), which EventBridge Scheduler (locally, the processor's
/// timers) sends to the same pass-through path.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
internal sealed record DynamoStreamEvent(List<DynamoStreamRecord>? Records, string? Job = null)
{
    public const string SweepJob = "upload-sweep";
}

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
internal sealed record DynamoStreamRecord(string? EventName, DynamoStreamData? Dynamodb);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
internal sealed record DynamoStreamData(Dictionary<string, StreamValue>? Keys, Dictionary<string, StreamValue>? NewImage, string? SequenceNumber);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
internal sealed record StreamValue(string? S, string? N);

/// <summary>Partial batch response: the event source retries from the first failed record.</summary>
internal sealed record BatchResponse(List<BatchItemFailure> BatchItemFailures);

internal sealed record BatchItemFailure(string ItemIdentifier);

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DynamoStreamEvent))]
[JsonSerializable(typeof(BatchResponse))]
internal sealed partial class EventJsonContext : JsonSerializerContext;
