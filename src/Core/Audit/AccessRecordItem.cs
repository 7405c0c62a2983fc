using System.Globalization;

using Amazon.DynamoDBv2.Model;

using Enclave.Core.Secrets;
using Enclave.Core.Storage;

namespace Enclave.Core.Audit;

/// <summary>The stored shape of a record: the keys of its access patterns (see <see cref="AccessRecordLayout"/>) plus the signed fields.</summary>
public static class AccessRecordItem
{
    /// <summary>Marks records whose MAC covers their keys; records without it were signed in the legacy form.</summary>
    public const string MacVersionAttribute = "macv";
    public const string CurrentMacVersion = "2";

    public static Dictionary<string, AttributeValue> ToItem(AccessRecord r, SigningKey key, AccessRecordLayout layout)
    {
        var keys = layout.KeysFor(r);
        var item = new Dictionary<string, AttributeValue>
        {
            [Attr.Pk] = Attr.S(keys.Actor),
            [Attr.Sk] = Attr.S(keys.SortKey),
            [TableSchemas.ByDayPk] = Attr.S(keys.Day),
            [TableSchemas.ByDaySk] = Attr.S(keys.SortKey),
            ["recordId"] = Attr.S(r.RecordId),
            ["time"] = Attr.S(Attr.Iso(r.Time)),
            ["requestId"] = Attr.S(r.RequestId),
            ["action"] = Attr.S(r.Action),
            ["outcome"] = Attr.S(AccessRecord.OutcomeName(r.Outcome)),
            ["clientIp"] = Attr.S(r.ClientIp),
            ["instanceId"] = Attr.S(r.InstanceId),
            ["keyId"] = Attr.S(key.KeyId),
            [MacVersionAttribute] = Attr.S(CurrentMacVersion),
            ["mac"] = Attr.S(key.SignToHex(r.Canonical(keys))),
        };
        AddIfPresent(item, "actor", r.ActorUserId);
        AddIfPresent(item, "reason", r.Reason);
        AddIfPresent(item, "sessionId", r.SessionId);
        AddIfPresent(item, "uploadId", r.UploadId);
        AddIfPresent(item, "subjectUserId", r.SubjectUserId);
        if (keys.Session is { } session)
        {
            item[TableSchemas.BySessionPk] = Attr.S(session);
            item[TableSchemas.BySessionSk] = Attr.S(keys.SortKey);
        }

        if (keys.Subject is { } subject)
        {
            item[TableSchemas.BySubjectPk] = Attr.S(subject);
            item[TableSchemas.BySubjectSk] = Attr.S(keys.SortKey);
        }

        return item;
    }

    /// <summary>The keys as stored, whatever they say: verification compares them with what was signed.</summary>
    public static IndexKeys StoredKeys(Dictionary<string, AttributeValue> item) => new(
        item.GetS(Attr.Pk) ?? "", item.GetS(Attr.Sk) ?? "", item.GetS(TableSchemas.BySessionPk), item.GetS(TableSchemas.ByDayPk) ?? "",
        item.GetS(TableSchemas.BySubjectPk));

    /// <summary>Parses strictly; false for a missing field, a malformed time or an unknown outcome.</summary>
    public static bool TryFromItem(Dictionary<string, AttributeValue> item, out AccessRecord record)
    {
        record = null!;
        if (item.GetS("recordId") is not { } recordId || item.GetS("requestId") is not { } requestId ||
            item.GetS("action") is not { } action || item.GetS("clientIp") is not { } clientIp ||
            item.GetS("instanceId") is not { } instanceId || !TryParseOutcome(item.GetS("outcome"), out var outcome) ||
            !DateTimeOffset.TryParseExact(item.GetS("time"), "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return false;
        }

        record = new AccessRecord(recordId, time, requestId, item.GetS("actor"), action, outcome, item.GetS("reason"), item.GetS("sessionId"),
            item.GetS("uploadId"), item.GetS("subjectUserId"), clientIp, instanceId);
        return true;
    }

    /// <summary>What can be shown of an item that does not parse; it never verifies.</summary>
    public static AccessRecord Unreadable(Dictionary<string, AttributeValue> item) => new(
        item.GetS("recordId") ?? item.GetS(Attr.Sk) ?? "",
        DateTimeOffset.TryParse(item.GetS("time"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : DateTimeOffset.UnixEpoch,
        item.GetS("requestId") ?? "",
        item.GetS("actor"),
        item.GetS("action") ?? "(unreadable)",
        TryParseOutcome(item.GetS("outcome"), out var outcome) ? outcome : AccessOutcome.Error,
        item.GetS("reason"),
        item.GetS("sessionId"),
        item.GetS("uploadId"),
        item.GetS("subjectUserId"),
        item.GetS("clientIp") ?? "",
        item.GetS("instanceId") ?? "");

    /// <summary>The stored outcome names (allowed, denied, not-found, error); nothing else parses.</summary>
    public static bool TryParseOutcome(string? text, out AccessOutcome outcome)
    {
        (var ok, outcome) = text switch
        {
            "allowed" => (true, AccessOutcome.Allowed),
            "denied" => (true, AccessOutcome.Denied),
            "not-found" => (true, AccessOutcome.NotFound),
            "error" => (true, AccessOutcome.Error),
            _ => (false, AccessOutcome.Error),
        };
        return ok;
    }

    private static void AddIfPresent(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (value is not null)
        {
            item[name] = Attr.S(value);
        }
    }
}
