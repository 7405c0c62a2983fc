using System.Globalization;

using Enclave.Core.Audit;
using Enclave.Core.Ids;
using Enclave.Core.Storage;

namespace Enclave.Functions.Audit;

/// <summary>
/// The audit route's query string, validated strictly: exactly one access pattern (actor, session, subject,
/// or a time range inside one UTC day), ISO-8601 UTC times, a known outcome, a bounded limit, nothing else.
/// </summary>
internal sealed record AuditQuery(AccessRecordFilter Filter, int Limit, string? Cursor)
{
    public const int DefaultLimit = 50;

    private static readonly System.Collections.Frozen.FrozenSet<string> Known = System.Collections.Frozen.FrozenSet.ToFrozenSet(
        ["actor", "session", "subject", "from", "to", "outcome", "cursor", "limit"], StringComparer.Ordinal);

    /// <summary>What a cursor is bound to: the same filter, so it cannot be replayed against another query.</summary>
    public string Scope => string.Join('|', "a=" + Filter.Actor, "s=" + Filter.Session, "u=" + Filter.Subject, "d=" + Filter.Day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        "f=" + (Filter.From is { } f ? Attr.Iso(f) : ""), "t=" + (Filter.To is { } t ? Attr.Iso(t) : ""),
        "o=" + (Filter.Outcome is { } o ? AccessRecord.OutcomeName(o) : ""));

    public static AuditQuery? Parse(IQueryCollection query, Dictionary<string, string[]> errors)
    {
        foreach (var name in query.Keys.Where(k => !Known.Contains(k)))
        {
            errors[name] = ["Unknown parameter."];
        }

        string? Single(string name)
        {
            if (!query.TryGetValue(name, out var values))
            {
                return null;
            }

            if (values.Count != 1 || string.IsNullOrEmpty(values[0]))
            {
                errors[name] = ["Give this parameter once, with a value."];
                return null;
            }

            return values[0];
        }

        var actor = Single("actor");
        if (actor is not null && !IsActor(actor))
        {
            errors["actor"] = ["Use a user id, 'anonymous', or 'service:NAME' / 'operator:NAME'."];
        }

        var session = Single("session");
        if (session is not null && !EntityId.TryParse(session, out _))
        {
            errors["session"] = ["Use a session id."];
        }

        var subject = Single("subject");
        if (subject is not null && !EntityId.TryParse(subject, out _))
        {
            errors["subject"] = ["Use a user id."];
        }

        var from = Time(Single("from"), "from", errors);
        var to = Time(Single("to"), "to", errors);
        AccessOutcome? outcome = null;
        if (Single("outcome") is { } outcomeText)
        {
            if (AccessRecordItem.TryParseOutcome(outcomeText, out var parsed))
            {
                outcome = parsed;
            }
            else
            {
                errors["outcome"] = ["Use allowed, denied, not-found or error."];
            }
        }

        var limit = DefaultLimit;
        if (Single("limit") is { } limitText &&
            (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
        {
            errors["limit"] = ["Use a limit from 1 to 100."];
        }

        var cursor = Single("cursor");
        if ((actor is not null ? 1 : 0) + (session is not null ? 1 : 0) + (subject is not null ? 1 : 0) > 1)
        {
            errors[subject is not null ? "subject" : "session"] = ["Give one of actor, session and subject."];
        }

        if (from is { } f && to is { } t && f > t)
        {
            errors["to"] = ["'to' must not be before 'from'."];
        }

        DateOnly? day = null;
        if (actor is null && session is null && subject is null)
        {
            // The by-day pattern reads one day's partition, so the range must sit inside one UTC day.
            if (from is null || to is null)
            {
                errors.TryAdd("from", ["Without actor or session, give 'from' and 'to' within one UTC day."]);
            }
            else if (from.Value.UtcDateTime.Date != to.Value.UtcDateTime.Date)
            {
                errors.TryAdd("to", ["Without actor or session, 'from' and 'to' must be on the same UTC day."]);
            }
            else
            {
                day = DateOnly.FromDateTime(from.Value.UtcDateTime);
            }
        }

        return errors.Count > 0
            ? null
            : new AuditQuery(new AccessRecordFilter(actor, session, day, from, to, outcome, subject), limit, cursor);
    }

    private static DateTimeOffset? Time(string? text, string name, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return null;
        }

        // Only UTC with a Z: an offset or a local time would silently shift the range.
        if (DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"], CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return Attr.Millis(time);
        }

        errors[name] = ["Use an ISO-8601 UTC time such as 2026-01-31T12:00:00Z."];
        return null;
    }

    private static bool IsActor(string text)
    {
        if (EntityId.TryParse(text, out _) || text == AccessRecord.Anonymous)
        {
            return true;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var kind = colon > 0 ? text[..colon] : "";
        var name = colon > 0 ? text[(colon + 1)..] : "";
        return kind is "service" or "operator" && name.Length is > 0 and <= 128 &&
               name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@' or ':' or '/' or '+' or '=');
    }
}
