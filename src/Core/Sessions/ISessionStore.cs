namespace Enclave.Core.Sessions;

/// <summary>
/// Work sessions, always addressed by (owner, session id): there is no way to ask for a session by
/// its id alone. Every call writes its access record before it returns anything.
/// </summary>
public interface ISessionStore
{
    /// <summary>Null when the user already has the most sessions allowed.</summary>
    Task<Session?> CreateAsync(string ownerId, string name, CancellationToken cancellationToken);

    Task<SessionPage> ListAsync(string ownerId, string? afterSessionId, int limit, CancellationToken cancellationToken);

    Task<Session?> FindAsync(string ownerId, string sessionId, CancellationToken cancellationToken);

    Task<Session?> RenameAsync(string ownerId, string sessionId, string name, CancellationToken cancellationToken);

    /// <summary>Marks the session deleted (it disappears from reads at once) and records it; false if there is none.</summary>
    Task<bool> BeginDeleteAsync(string ownerId, string sessionId, CancellationToken cancellationToken);

    /// <summary>Every session id of the owner, live, expired or being deleted: for erasing the account.</summary>
    Task<IReadOnlyList<string>> ListAllIdsAsync(string ownerId, CancellationToken cancellationToken);

    /// <summary>Removes the session item once its uploads and objects are gone.</summary>
    Task FinishDeleteAsync(string ownerId, string sessionId, CancellationToken cancellationToken);

    /// <summary>Removes what the store keeps about the owner beside the sessions (the register of session ids): the last step of erasing the account.</summary>
    Task ForgetOwnerAsync(string ownerId, CancellationToken cancellationToken);
}
