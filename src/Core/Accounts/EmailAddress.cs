using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Enclave.Core.Accounts;

/// <summary>A normalized email: trimmed, lowercase, one '@', no spaces or control characters.</summary>
public static partial class EmailAddress
{
    public const int MaxLength = 254;

    public static bool TryNormalize(string? text, [NotNullWhen(true)] out string? email)
    {
        email = null;
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxLength || !Shape().IsMatch(trimmed))
        {
            return false;
        }

        email = trimmed.ToLowerInvariant();
        return true;
    }

    /// <summary>
    /// The lookup key of text that is not an email: bounded (a hash) whatever was sent, and never equal to
    /// a normalized email, which always contains an '@'.
    /// </summary>
    public static string InvalidKey(string text) =>
        "invalid:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.Trim().ToLowerInvariant())));

    [GeneratedRegex(@"^[^\s@\p{Cc}]{1,64}@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
