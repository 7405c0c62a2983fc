using System.Text.Json;

namespace Enclave.Tests.Infrastructure;

/// <summary>An API behind the edge: the origin check on, its secret written where Local mode reads secrets.</summary>
public static class EdgeSettings
{
    public const string SecretName = "enclave/origin-verify";
    public static readonly string Current = "current-" + Guid.NewGuid().ToString("N");
    public static readonly string Previous = "previous-" + Guid.NewGuid().ToString("N");

    public static void BehindTheEdge(Dictionary<string, string> settings)
    {
        settings["Enclave__ClientAddress"] = "CloudFrontViewerAddress";
        settings["Enclave__OriginSecretName"] = SecretName;
        var file = settings["Enclave__Secrets__LocalFile"];
        if (!File.Exists(file))
        {
            // Local mode adds no key to a file that exists, so the file starts with all three.
            File.WriteAllText(file, JsonSerializer.Serialize(new Dictionary<string, string>
            {
                [Core.Secrets.SigningKeys.LocalCookieKeyName] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)),
                [Core.Secrets.SigningKeys.LocalAuditKeyName] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)),
                [SecretName] = JsonSerializer.Serialize(new Dictionary<string, string> { ["current"] = Current, ["previous"] = Previous }),
            }));
        }
    }
}
