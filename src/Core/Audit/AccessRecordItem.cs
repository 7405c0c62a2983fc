using Amazon.DynamoDBv2.Model;

using Enclave.Core.Secrets;
using Enclave.Core.Storage;

namespace Enclave.Core.Audit;

/// <summary>The stored shape of a record: keys for the three access patterns plus the signed fields.</summary>
public static class AccessRecordItem
{
    public const string ActorPrefix = "ACTOR#";
    public const string SessionPrefix = "SESSION#";
    public const string DayPrefix = "DAY#";

    public static Dictionary<string, AttributeValue> ToItem(AccessRecord r, SigningKey key)
    {
        var time = Attr.Iso(r.Time);
        var sortKey = time + "#" + r.RecordId;
        var item = new Dictionary<string, AttributeValue>
        {
            [Attr.Pk] = Attr.S(ActorPrefix + (r.ActorUserId ?? AccessRecord.Anonymous)),
            [Attr.Sk] = Attr.S(sortKey),
            [TableSchemas.ByDayPk] = Attr.S(DayPrefix + time[..10]),
            [TableSchemas.ByDaySk] = Attr.S(sortKey),
            ["recordId"] = Attr.S(r.RecordId),
            ["time"] = Attr.S(time),
            ["requestId"] = Attr.S(r.RequestId),
            ["action"] = Attr.S(r.Action),
            ["outcome"] = Attr.S(AccessRecord.OutcomeName(r.Outcome)),
            ["clientIp"] = Attr.S(r.ClientIp),
            ["instanceId"] = Attr.S(r.InstanceId),
            ["keyId"] = Attr.S(key.KeyId),
            ["mac"] = Attr.S(key.SignToHex(r.Canonical())),
        };
        AddIfPresent(item, "actor", r.ActorUserId);
        AddIfPresent(item, "reason", r.Reason);
        AddIfPresent(item, "sessionId", r.SessionId);
        AddIfPresent(item, "uploadId", r.UploadId);
        AddIfPresent(item, "subjectUserId", r.SubjectUserId);
        if (r.SessionId is not null)
        {
            item[TableSchemas.BySessionPk] = Attr.S(SessionPrefix + r.SessionId);
            item[TableSchemas.BySessionSk] = Attr.S(sortKey);
        }

        return item;
    }

    public static AccessRecord FromItem(Dictionary<string, AttributeValue> item) => new(
        item.RequireS("recordId"),
        DateTimeOffset.Parse(item.RequireS("time"), System.Globalization.CultureInfo.InvariantCulture),
        item.RequireS("requestId"),
        item.GetS("actor"),
        item.RequireS("action"),
        ParseOutcome(item.RequireS("outcome")),
        item.GetS("reason"),
        item.GetS("sessionId"),
        item.GetS("uploadId"),
        item.GetS("subjectUserId"),
        item.RequireS("clientIp"),
        item.RequireS("instanceId"));

    private static AccessOutcome ParseOutcome(string text) =>
        TryParseOutcome(text, out var outcome) ? outcome : throw new InvalidDataException("Unknown outcome.");

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
