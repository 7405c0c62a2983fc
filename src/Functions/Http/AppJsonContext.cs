using System.Text.Json;
using System.Text.Json.Serialization;
using Enclave.Core.Sessions;
using Enclave.Core.Uploads;
using Enclave.Functions.Audit;
using Enclave.Functions.Auth;
using Enclave.Functions.Health;
using Enclave.Functions.Sessions;
using Enclave.Functions.Uploads;

namespace Enclave.Functions.Http;

/// <summary>Source-generated JSON for every body the API reads or writes (Native AOT has no reflection).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict,
    AllowDuplicateProperties = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CredentialsRequest))]
[JsonSerializable(typeof(RegisterAcceptedResponse))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(ResetRequest))]
[JsonSerializable(typeof(NewPasswordRequest))]
[JsonSerializable(typeof(ChangePasswordRequest))]
[JsonSerializable(typeof(PasswordRequest))]
[JsonSerializable(typeof(MeResponse))]
[JsonSerializable(typeof(SessionNameRequest))]
[JsonSerializable(typeof(Session))]
[JsonSerializable(typeof(SessionPage))]
[JsonSerializable(typeof(CreateUploadRequest))]
[JsonSerializable(typeof(CreatedUpload))]
[JsonSerializable(typeof(Upload))]
[JsonSerializable(typeof(UploadPage))]
[JsonSerializable(typeof(DownloadLink))]
[JsonSerializable(typeof(PartsRequest))]
[JsonSerializable(typeof(PartUrls))]
[JsonSerializable(typeof(StoredParts))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ReadinessResponse))]
[JsonSerializable(typeof(AuditPage))]
internal sealed partial class AppJsonContext : JsonSerializerContext;
