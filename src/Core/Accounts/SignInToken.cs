using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

using Enclave.Core.Ids;
using Enclave.Core.Secrets;

namespace Enclave.Core.Accounts;

/// <summary>
/// The cookie value: the owner's id (so the sign-in is addressed under its owner) plus 256 random
/// bits. Only a keyed hash of the whole value is stored.
/// </summary>
public sealed record SignInToken(string UserId, string Value)
{
    private const int IdBytes = 16;
    private const int SecretBytes = 32;

    public static SignInToken Create(string userId)
    {
        Span<byte> raw = stackalloc byte[IdBytes + SecretBytes];
        Guid.Parse(userId).TryWriteBytes(raw[..IdBytes], bigEndian: true, out _);
        RandomNumberGenerator.Fill(raw[IdBytes..]);
        return new SignInToken(userId, Base64Url.EncodeToString(raw));
    }

    public static bool TryParse(string? cookie, [NotNullWhen(true)] out SignInToken? token)
    {
        token = null;
        Span<byte> raw = stackalloc byte[IdBytes + SecretBytes];
        if (cookie is null || cookie.Length != Base64Url.GetEncodedLength(raw.Length) ||
            Base64Url.DecodeFromChars(cookie, raw) != raw.Length)
        {
            return false;
        }

        var userId = new Guid(raw[..IdBytes], bigEndian: true).ToString("D");
        if (!EntityId.TryParse(userId, out _))
        {
            return false;
        }

        token = new SignInToken(userId, cookie);
        return true;
    }

    /// <summary>The stored form: a database leak yields no usable cookie.</summary>
    public string Hash(SigningKey cookieKey) => cookieKey.SignToHex("signin:" + Value);

    /// <summary>Derived, not stored: it changes with every sign-in and only the server can compute it.</summary>
    public static string CsrfFor(string tokenHash, SigningKey cookieKey) => cookieKey.SignToBase64Url("csrf:" + tokenHash);

    public override string ToString() => "SignInToken(redacted)";
}
