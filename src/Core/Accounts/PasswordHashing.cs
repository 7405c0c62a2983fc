using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Enclave.Core.Accounts;

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

    public bool Verify(string? storedHash, string password)
    {
        var result = hasher.VerifyHashedPassword(subject, storedHash ?? dummyHash.Value, password);
        return storedHash is not null && result != PasswordVerificationResult.Failed;
    }

    /// <summary>Compute the decoy now rather than on the first login with an unknown email.</summary>
    public void Warm() => _ = dummyHash.Value;
}
