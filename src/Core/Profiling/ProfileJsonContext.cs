using System.Text.Json;
using System.Text.Json.Serialization;

namespace Enclave.Core.Profiling;

/// <summary>Source-generated JSON for stored profiles, so the Native AOT API reads and writes them without reflection.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.Strict,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(FileProfile))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(string))]
public sealed partial class ProfileJsonContext : JsonSerializerContext;
