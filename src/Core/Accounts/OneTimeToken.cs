using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Enclave.Core.Accounts;

/// <summary>
/// A token sent by mail (verification, password reset): 256 random bits, base64url. Only its SHA-256 is
/// stored, so a leak of the table gives nobody a working link; it is used once and expires.
/// </summary>
public static class OneTimeToken
{
    public enum Purpose
    {
        Verify,
        Reset,
    }

    public const int Length = 43;

    public static string Create() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The lookup hash of a well-formed token; false (and no storage touched) for anything else.</summary>
    public static bool TryHash(string? token, [NotNullWhen(true)] out string? hash)
    {
        hash = null;
        if (token is not { Length: Length } || !Base64Url.IsValid(token, out var decoded) || decoded != 32)
        {
            return false;
        }

        hash = Hash(token);
        return true;
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));
}
