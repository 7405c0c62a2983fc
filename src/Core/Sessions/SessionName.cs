namespace Enclave.Core.Sessions;

public static class SessionName
{
    public const int MaxLength = 100;

    /// <summary>Null when acceptable; otherwise a message for the user. <paramref name="name"/> comes back trimmed.</summary>
    public static string? Validate(ref string? name)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            return "Enter a name.";
        }

        if (name.Length > MaxLength)
        {
            return $"Use at most {MaxLength} characters.";
        }

        return name.Any(c => char.IsControl(c) || char.IsSurrogate(c) && !char.IsHighSurrogate(c) && !char.IsLowSurrogate(c))
            ? "The name contains characters that are not allowed."
            : null;
    }
}
