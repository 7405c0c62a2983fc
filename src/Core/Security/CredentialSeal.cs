using System.Security.Cryptography;
using System.Text;

namespace Enclave.Core.Security;

/// <summary>
/// Seals a user's scoped credentials for storage in the identity table. For a sign-in the key is derived from the
/// sign-in token itself, which only the browser holds (the server stores a keyed hash of it): the sealed
/// credentials can be opened only inside a request that carries that user's cookie, never by an instance
/// serving someone else, and a copy of the table alone opens nothing. The processor's copies
/// (<see cref="Accounts.ProcessorCredentials"/>) are sealed with a secret derived from the audit key.
/// </summary>
public static class CredentialSeal
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// <param name="secret">The cookie value, or the processor's derived secret.</param>
    /// <param name="binding">What the sealed value belongs to (the item's key): a sealed value copied elsewhere fails to open.</param>
    public static byte[] Seal(ScopedCredentials credentials, string secret, string binding)
    {
        var plain = Encoding.UTF8.GetBytes(string.Join('\n',
            credentials.UserId, credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken,
            credentials.Expiration.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var sealedValue = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedValue.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(Key(secret), TagBytes);
        aes.Encrypt(nonce, plain, sealedValue.AsSpan(NonceBytes, plain.Length), sealedValue.AsSpan(NonceBytes + plain.Length), Encoding.UTF8.GetBytes(binding));
        CryptographicOperations.ZeroMemory(plain);
        return sealedValue;
    }

    /// <summary>Null when the value was not sealed with this token and binding, or was altered.</summary>
    public static ScopedCredentials? Open(ReadOnlySpan<byte> sealedValue, string secret, string binding)
    {
        if (sealedValue.Length <= NonceBytes + TagBytes)
        {
            return null;
        }

        var plain = new byte[sealedValue.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(Key(secret), TagBytes);
        try
        {
            aes.Decrypt(sealedValue[..NonceBytes], sealedValue[NonceBytes..^TagBytes], sealedValue[^TagBytes..], plain, Encoding.UTF8.GetBytes(binding));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        var parts = Encoding.UTF8.GetString(plain).Split('\n');
        CryptographicOperations.ZeroMemory(plain);
        return parts is [var userId, var accessKey, var secretKey, var token, var expiry] && long.TryParse(expiry, out var seconds)
            ? new ScopedCredentials(userId, accessKey, secretKey, token, DateTimeOffset.FromUnixTimeSeconds(seconds))
            : null;
    }

    private static byte[] Key(string secret)
    {
        var key = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), key, salt: [], info: "enclave:scoped-credentials:v1"u8);
        return key;
    }
}
