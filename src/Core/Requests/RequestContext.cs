namespace Enclave.Core.Requests;

/// <summary>
/// Who is asking and from where, for one request only: a scoped service, filled once by the host
/// before any handler runs and gone when the request ends.
/// </summary>
public sealed class RequestContext
{
    public string RequestId { get; private set; } = "";

    public string ClientIp { get; private set; } = "";

    /// <summary>The verified caller; null until a sign-in cookie has been checked.</summary>
    public string? UserId { get; private set; }

    public void Begin(string requestId, string clientIp)
    {
        RequestId = requestId;
        ClientIp = clientIp;
    }

    public void Authenticated(string userId) => UserId = userId;

    /// <summary>Work done by the system itself (the upload processor) is recorded under a service actor.</summary>
    public void ActAsService(string service) => UserId = Audit.AccessRecordLayout.ServiceActorPrefix + service;
}
