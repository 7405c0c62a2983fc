namespace Enclave.Core.Sessions;

/// <summary>
/// Work sessions, always addressed by (owner, session id): there is no way to ask for a session by
/// its id alone. Every call writes its access record before it returns anything.
/// </summary>
public interface ISessionStore
{
    Task<Session> CreateAsync(string ownerId, string name, CancellationToken cancellationToken);

    Task<SessionPage> ListAsync(string ownerId, string? afterSessionId, int limit, CancellationToken cancellationToken);

    Task<Session?> FindAsync(string ownerId, string sessionId, CancellationToken cancellationToken);

    Task<Session?> RenameAsync(string ownerId, string sessionId, string name, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(string ownerId, string sessionId, CancellationToken cancellationToken);
}
