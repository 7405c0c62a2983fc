namespace Enclave.Core.Accounts;

/// <summary>A verified caller, as loaded for one request, with the credentials its user-data calls run under.</summary>
public sealed record SignedInUser(
    string UserId, string Email, IReadOnlyList<string> Roles, string SignInHash, string CsrfToken, Security.ScopedCredentials Credentials)
{
    public override string ToString() => $"SignedInUser({UserId})";
}

public abstract record RegisterResult
{
    /// <summary>The same answer for a new and a taken address; what differs is only the mail.</summary>
    public sealed record Accepted : RegisterResult;

    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : RegisterResult;

    public sealed record Throttled(TimeSpan RetryAfter) : RegisterResult;
}

public abstract record LoginResult
{
    public sealed record SignedIn(SignedInUser User, SignInToken Token, DateTimeOffset ExpiresAt) : LoginResult;

    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : LoginResult;

    public sealed record Rejected : LoginResult;

    public sealed record Throttled(TimeSpan RetryAfter) : LoginResult;
}
