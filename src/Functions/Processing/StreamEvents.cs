using System.Text.Json.Serialization;

namespace Enclave.Functions.Processing;

/// <summary>
/// The parts of a Lambda DynamoDB Streams event that the processor reads; <see cref="Source"/> is set instead by
/// the sweep schedule's event (<see cref="SweepEventSource"/>).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
internal sealed record DynamoStreamEvent(List<DynamoStreamRecord>? Records, string? Source = null)
{
    public const string SweepEventSource = "enclave.sweep";
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
