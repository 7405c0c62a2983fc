namespace Enclave.Core.Security;

/// <summary>Mints credentials for one user. Each call is an STS round trip: callers keep the result, never call per request.</summary>
public interface IScopedCredentialIssuer
{
    /// <summary><paramref name="recordActors"/> are the actors whose access records the credentials may write (the user, or the user and a service).</summary>
    Task<ScopedCredentials> IssueAsync(string userId, IReadOnlyList<string> recordActors, CancellationToken cancellationToken);
}
