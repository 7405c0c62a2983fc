using Enclave.Core.Audit;
using Enclave.Core.Storage;

namespace Enclave.Functions.Audit;

/// <summary>One access record as the audit route returns it; <c>Verified</c> is its HMAC checked now.</summary>
internal sealed record AuditRecordResponse(
    string RecordId,
    string Time,
    string RequestId,
    string? Actor,
    string Action,
    string Outcome,
    string? Reason,
    string? SessionId,
    string? UploadId,
    string? SubjectUserId,
    string ClientIp,
    string InstanceId,
    string KeyId,
    bool Verified)
{
    public static AuditRecordResponse From(StoredAccessRecord stored, bool verified)
    {
        var r = stored.Record;
        return new(r.RecordId, Attr.Iso(r.Time), r.RequestId, r.ActorUserId, r.Action, AccessRecord.OutcomeName(r.Outcome), r.Reason,
            r.SessionId, r.UploadId, r.SubjectUserId, r.ClientIp, r.InstanceId, stored.KeyId, verified);
    }
}

internal sealed record AuditPage(IReadOnlyList<AuditRecordResponse> Items, string? NextCursor);
