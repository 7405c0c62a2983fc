using System.Collections.Frozen;
using System.Reflection;

namespace Enclave.Core.Accounts;

/// <summary>NIST 800-63B style: long enough, not absurdly long, and not a known common password.</summary>
public sealed class PasswordPolicy
{
    public const int MinLength = 12;

    // Hashing cost grows with length; a cap stops a megabyte "password" from being a cheap DoS.
    public const int MaxLength = 128;

    private readonly FrozenSet<string> common;

    public PasswordPolicy()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Enclave.Core.common-passwords.txt")
                           ?? throw new InvalidOperationException("The common-password list is missing from the build.");
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                lines.Add(line.Trim().ToLowerInvariant());
            }
        }

        common = lines.ToFrozenSet(StringComparer.Ordinal);
    }

    public int CommonPasswordCount => common.Count;

    /// <summary>Null when acceptable, otherwise a message for the user.</summary>
    public string? Check(string password, string email)
    {
        if (password.Length < MinLength)
        {
            return $"Use at least {MinLength} characters.";
        }

        if (password.Length > MaxLength)
        {
            return $"Use at most {MaxLength} characters.";
        }

        var lowered = password.ToLowerInvariant();
        if (common.Contains(lowered) || password.Distinct().Count() <= 2)
        {
            return "This password is too common; choose another.";
        }

        var localPart = email.Split('@')[0].ToLowerInvariant();
        return localPart.Length >= 4 && lowered.Contains(localPart, StringComparison.Ordinal)
            ? "The password must not contain your email address."
            : null;
    }
}
