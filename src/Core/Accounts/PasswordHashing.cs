using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Enclave.Core.Accounts;

public enum PasswordCheck
{
    Failed,
    Ok,

    /// <summary>Right password, but the stored hash is weaker than today's parameters: store a new one.</summary>
    OkRehash,
}

/// <summary>
/// ASP.NET Core Identity's PasswordHasher (format v3: PBKDF2-HMAC-SHA512, 128-bit salt, 256-bit
/// subkey) at OWASP's 2023 recommendation of 210,000 iterations.
/// </summary>
public sealed class PasswordHashing
{
    public const int Iterations = 210_000;

    // The hasher ignores the user object; one instance serves every call.
    private readonly object subject = new();

    private readonly PasswordHasher<object> hasher = new(Options.Create(new PasswordHasherOptions
    {
        CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
        IterationCount = Iterations,
    }));

    // Unknown emails are checked against this so they cost exactly one hash, like a wrong password.
    private readonly Lazy<string> dummyHash;

    public PasswordHashing()
    {
        dummyHash = new Lazy<string>(() => Hash(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24))));
    }

    public string Hash(string password) => hasher.HashPassword(subject, password);

    public bool Verify(string? storedHash, string password) => Check(storedHash, password) != PasswordCheck.Failed;

    /// <summary>
    /// Checks the password; a stored hash that is not in today's format (v2/SHA-1, a weaker PRF, fewer iterations)
    /// still verifies but asks for an upgrade, and one that cannot be parsed at all fails instead of throwing.
    /// </summary>
    public PasswordCheck Check(string? storedHash, string password)
    {
        PasswordVerificationResult result;
        try
        {
            result = hasher.VerifyHashedPassword(subject, storedHash ?? dummyHash.Value, password);
        }
        catch (FormatException)
        {
            _ = hasher.VerifyHashedPassword(subject, dummyHash.Value, password);
            return PasswordCheck.Failed;
        }

        if (storedHash is null || result == PasswordVerificationResult.Failed)
        {
            return PasswordCheck.Failed;
        }

        return result == PasswordVerificationResult.SuccessRehashNeeded || !IsCurrentFormat(storedHash) ? PasswordCheck.OkRehash : PasswordCheck.Ok;
    }

    /// <summary>v3 header: format marker 0x01, PRF (2 = HMAC-SHA512), iteration count (big-endian uint32s). Called only after a successful verify, so the text is valid base64.</summary>
    internal static bool IsCurrentFormat(string storedHash)
    {
        const uint HmacSha512 = 2;
        var bytes = Convert.FromBase64String(storedHash);
        return bytes.Length >= 13 && bytes[0] == 0x01 &&
               System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1)) == HmacSha512 &&
               System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5)) >= Iterations;
    }

    /// <summary>Compute the decoy now rather than on the first login with an unknown email.</summary>
    public void Warm() => _ = dummyHash.Value;
}
