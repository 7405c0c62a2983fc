namespace Enclave.Core.Sessions;

public sealed record Session(string SessionId, string Name, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset ExpiresAt);

public sealed record SessionPage(IReadOnlyList<Session> Items, string? NextCursor);
