namespace Enclave.Core.Accounts;

/// <summary>Every key of the identity table's account items, built here and nowhere else.</summary>
public static class IdentityKeys
{
    public const string EmailSort = "EMAIL";
    public const string AccountSort = "ACCOUNT";
    public const string SignInSortPrefix = "SIGNIN#";
    public const string TokenSort = "TOKEN";
    public const string CredentialsSort = "CREDENTIALS";

    /// <summary>The processor's own partitions: its function role may read and write these and nothing else of the table.</summary>
    public const string ProcessorPkPrefix = "PROCESSOR#";

    public static string EmailPk(string email) => "EMAIL#" + email;

    public static string AccountPk(string userId) => "ACCOUNT#" + userId;

    public static string ProcessorPk(string userId) => ProcessorPkPrefix + userId;

    public static string SignInSort(string hash) => SignInSortPrefix + hash;

    /// <summary>A one-time token is found by its SHA-256 only; the token itself is never stored.</summary>
    public static string TokenPk(OneTimeToken.Purpose purpose, string tokenHash) => $"TOKEN#{purpose.ToString().ToLowerInvariant()}#{tokenHash}";
}
