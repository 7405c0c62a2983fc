using System.Security.Cryptography;
using System.Text;

using Microsoft.Extensions.Options;

namespace Enclave.Core.Secrets;

/// <summary>The two keys the app uses, read through the secret cache on every use.</summary>
public sealed class SigningKeys(CachedSecretSource secrets, IOptions<SecretOptions> options)
{
    public const int MinimumKeyLength = 32;

    public const string LocalCookieKeyName = "enclave/cookie-key";
    public const string LocalAuditKeyName = "enclave/audit-key";

    public Task<SigningKey> CookieKeyAsync(CancellationToken cancellationToken) =>
        LoadAsync(options.Value.CookieKeyName ?? LocalCookieKeyName, cancellationToken);

    public Task<SigningKey> AuditKeyAsync(CancellationToken cancellationToken) =>
        LoadAsync(options.Value.AuditKeyName ?? LocalAuditKeyName, cancellationToken);

    private async Task<SigningKey> LoadAsync(string name, CancellationToken cancellationToken)
    {
        var value = await secrets.GetAsync(name, cancellationToken);
        return value.Length < MinimumKeyLength
            ? throw new SecretUnavailableException($"Secret '{name}' is shorter than {MinimumKeyLength} characters.")
            : new SigningKey(Encoding.UTF8.GetBytes(value));
    }
}

/// <summary>Key material plus a short public id, so records say which key version signed them.</summary>
public sealed class SigningKey(byte[] material)
{
    public string KeyId { get; } = Convert.ToHexStringLower(SHA256.HashData(material))[..12];

    public byte[] Sign(ReadOnlySpan<byte> data) => HMACSHA256.HashData(material, data);

    public string SignToBase64Url(string text) => Base64Url(Sign(Encoding.UTF8.GetBytes(text)));

    public string SignToHex(string text) => Convert.ToHexStringLower(Sign(Encoding.UTF8.GetBytes(text)));

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
