namespace Enclave.Core.Audit;

public enum AccessOutcome
{
    Allowed,
    Denied,
    NotFound,
    Error,
}

/// <summary>What happened; who, when, where and which process come from the request context.</summary>
public sealed record AccessEvent(
    string Action,
    AccessOutcome Outcome,
    string? Reason = null,
    string? SessionId = null,
    string? UploadId = null,
    string? SubjectUserId = null);

/// <summary>A complete, signed access record as stored.</summary>
public sealed record AccessRecord(
    string RecordId,
    DateTimeOffset Time,
    string RequestId,
    string? ActorUserId,
    string Action,
    AccessOutcome Outcome,
    string? Reason,
    string? SessionId,
    string? UploadId,
    string? SubjectUserId,
    string ClientIp,
    string InstanceId)
{
    public const string Anonymous = "anonymous";

    /// <summary>
    /// The signed bytes: every field and every key the record is stored and indexed under, length-prefixed
    /// so no two different records share a form. Covering the keys means a record moved out of its actor,
    /// session, subject or day partition (or into another) no longer verifies. The auditor tool verifies
    /// with the same function.
    /// </summary>
    public string Canonical(IndexKeys keys) => Canonical(
    [
        "v2", RecordId, Storage.Attr.Iso(Time), RequestId, ActorUserId, Action, OutcomeName(Outcome), Reason,
        SessionId, UploadId, SubjectUserId, ClientIp, InstanceId, keys.Actor, keys.SortKey, keys.Session, keys.Day, keys.Subject,
    ]);

    /// <summary>The form signed before records covered their keys; still verified for records written then.</summary>
    public string LegacyCanonical() => Canonical(
    [
        "v1", RecordId, Storage.Attr.Iso(Time), RequestId, ActorUserId, Action, OutcomeName(Outcome), Reason,
        SessionId, UploadId, SubjectUserId, ClientIp, InstanceId,
    ]);

    private static string Canonical(string?[] fields)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var field in fields)
        {
            builder.Append(field is null ? "-1" : field.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Append(':').Append(field).Append('|');
        }

        return builder.ToString();
    }

    public static string OutcomeName(AccessOutcome outcome) => outcome switch
    {
        AccessOutcome.Allowed => "allowed",
        AccessOutcome.Denied => "denied",
        AccessOutcome.NotFound => "not-found",
        _ => "error",
    };
}
