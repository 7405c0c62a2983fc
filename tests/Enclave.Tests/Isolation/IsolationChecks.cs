using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

using Enclave.Core.Audit;
using Enclave.Core.Secrets;
using Enclave.Tests.Infrastructure;

namespace Enclave.Tests.Isolation;

internal enum Access
{
    /// <summary>Only the sender's own ids.</summary>
    Own,

    /// <summary>At least one id of another user: must be indistinguishable from <see cref="Unused"/>.</summary>
    Cross,

    /// <summary>An id nobody has: the reference not-found answer.</summary>
    Unused,
}

/// <summary>
/// The four isolation checks over everything the simulated users sent and got back, every log line of
/// every process and every access record. Each finding is a violation with enough text to debug it.
/// </summary>
internal sealed partial class IsolationChecks(TokenOwners owners, IReadOnlyList<Exchange> exchanges)
{
    private const string ProcessorActor = "service:processor";

    // The access records each successful request of the flow must leave, by route.
    private static readonly Dictionary<string, string[]> RecordsByRoute = new(StringComparer.Ordinal)
    {
        ["POST /api/auth/register"] = ["auth.register"],
        ["POST /api/auth/verify-email"] = ["auth.verify-email"],
        ["POST /api/auth/login"] = ["auth.login"],
        ["POST /api/auth/logout"] = ["auth.logout"],
        ["POST /api/sessions"] = ["session.create"],
        ["GET /api/sessions"] = ["session.list"],
        ["GET /api/sessions/{sessionId}"] = ["session.read"],
        ["PATCH /api/sessions/{sessionId}"] = ["session.rename"],
        ["DELETE /api/sessions/{sessionId}"] = ["session.delete"],
        ["POST /api/sessions/{sessionId}/uploads"] = ["upload.create"],
        ["GET /api/sessions/{sessionId}/uploads"] = ["upload.list"],
        ["GET /api/sessions/{sessionId}/uploads/{uploadId}"] = ["upload.read"],

        // The check on arrival, the settling transaction, then the read of the settled upload.
        ["POST /api/sessions/{sessionId}/uploads/{uploadId}/complete"] = ["upload.complete"],
        ["GET /api/sessions/{sessionId}/uploads/{uploadId}/profile"] = ["upload.profile"],
        ["GET /api/sessions/{sessionId}/uploads/{uploadId}/download"] = ["upload.download"],
        ["DELETE /api/sessions/{sessionId}/uploads/{uploadId}"] = ["upload.delete"],
    };

    private readonly Dictionary<string, Exchange> byRequestId = exchanges.Where(e => e.RequestId is not null).ToDictionary(e => e.RequestId!, StringComparer.Ordinal);

    public List<string> Violations { get; } = [];

    /// <summary>What one run of all four checks looked at.</summary>
    internal sealed record Scanned(int Responses, int CrossAttempts, int UnusedIdAnswers, int LogLines, int Records);

    /// <summary>All four checks, once every process has logged its requests' completion lines.</summary>
    public async Task<Scanned> RunAllAsync(ApiCluster cluster, IReadOnlyList<SimulatedUser> users)
    {
        var responses = CheckResponses();
        var (cross, unused) = CheckCrossAttempts();
        await WaitForCompletionLinesAsync(cluster.Apis, exchanges);
        var lines = CheckLogs(cluster.Apis, cluster.Processor!);
        var records = CheckRecords(await cluster.AccessRecordsAsync(), await cluster.AuditKeyAsync(), users);
        return new Scanned(responses, cross, unused, lines, records);
    }

    public static (string? Session, string? Upload) PathIds(string path)
    {
        var match = SessionPath().Match(path);
        return (match.Groups["s"].Success ? match.Groups["s"].Value : null, match.Groups["u"].Success ? match.Groups["u"].Value : null);
    }

    public static string RouteOf(Exchange e)
    {
        var (session, upload) = PathIds(e.Path);
        var path = e.Path.Split('?')[0];
        path = session is null ? path : path.Replace(session, "{sessionId}", StringComparison.Ordinal);
        path = upload is null ? path : path.Replace(upload, "{uploadId}", StringComparison.Ordinal);
        return e.Method + " " + path;
    }

    public Access Classify(Exchange e)
    {
        var (session, upload) = PathIds(e.Path);
        string[] ids = [.. new[] { session, upload }.OfType<string>()];
        return ids.Any(id => owners.OwnerOf(id) is { } owner && owner != e.User) ? Access.Cross
            : ids.Any(id => owners.OwnerOf(id) is null) ? Access.Unused
            : Access.Own;
    }

    /// <summary>Every response body (and the signed upload policy inside it) holds only the receiver's tokens.</summary>
    public int CheckResponses()
    {
        foreach (var e in exchanges)
        {
            foreach (var token in owners.ForeignTokens(e.Body + "\n" + DecodedPolicy(e.Body), e.User))
            {
                Violations.Add($"response to {e.Method} {e.Path} for user {e.User.UserId} holds {token} of user {owners.OwnerOf(token)!.UserId}");
            }
        }

        return exchanges.Count;
    }

    /// <summary>Every request naming another user's id gets, status, headers and body, the answer for an id nobody has.</summary>
    public (int Cross, int Unused) CheckCrossAttempts()
    {
        var api = exchanges.Where(e => !e.ToStorage).Select(e => (Exchange: e, Access: Classify(e), Route: RouteOf(e))).ToList();
        var references = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var route in api.Where(a => a.Access == Access.Unused).GroupBy(a => a.Route, StringComparer.Ordinal))
        {
            var answers = route.Select(a => Comparable(a.Exchange)).Distinct(StringComparer.Ordinal).ToList();
            if (answers.Count != 1 || route.First().Exchange is not { Status: 404, MediaType: "application/problem+json" })
            {
                Violations.Add($"{route.Key} with unused ids answered {answers.Count} different ways:\n{string.Join("\n---\n", answers)}");
            }

            references[route.Key] = answers[0];
        }

        var cross = api.Where(a => a.Access == Access.Cross).ToList();
        foreach (var (e, _, route) in cross)
        {
            if (!references.TryGetValue(route, out var reference))
            {
                Violations.Add($"{route}: a cross-access attempt without a reference answer");
            }
            else if (Comparable(e) != reference)
            {
                Violations.Add($"{e.Method} {e.Path} by user {e.User.UserId} on another user's ids answered\n{Comparable(e)}\ninstead of\n{reference}");
            }
        }

        return (cross.Count, api.Count(a => a.Access == Access.Unused));
    }

    /// <summary>A request's completion line is written after its response; wait until every one is there.</summary>
    private static async Task WaitForCompletionLinesAsync(IReadOnlyList<ApiProcess> apis, IEnumerable<Exchange> sent)
    {
        var expected = sent.Where(e => !e.ToStorage).Select(e => (e.Process, e.RequestId!)).ToList();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var finished = apis.Select(api => api.Lines.Where(l => l.Contains("\"Request finished", StringComparison.Ordinal))
                .Select(l => CorrelationId().Match(l).Groups[1].Value).ToHashSet(StringComparer.Ordinal)).ToList();
            if (expected.All(e => finished[e.Item1].Contains(e.Item2)))
            {
                return;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Every line of every process parses; a line of a user's request names only that user, and only the
    /// session and upload ids of that request's path; a processor job line names one upload of its owner.
    /// </summary>
    public int CheckLogs(IReadOnlyList<ApiProcess> apis, ApiProcess processor)
    {
        var count = 0;
        for (var p = 0; p < apis.Count; p++)
        {
            foreach (var line in apis[p].Lines)
            {
                count++;
                if (Parse(line, $"API process {p}") is { } json)
                {
                    CheckApiLine(p, line, json);
                }
            }
        }

        var jobOwners = new Dictionary<string, SimulatedUser>(StringComparer.Ordinal);
        foreach (var line in processor.Lines)
        {
            count++;
            if (Parse(line, "processor") is { } json)
            {
                CheckProcessorLine(line, json, jobOwners);
            }
        }

        return count;
    }

    /// <summary>
    /// Every record is signed; each request of the flow left exactly the records its route writes, with the
    /// sender as actor and only the sender's ids; each attempt on another user's ids left one not-found
    /// record; the processor left exactly one record per upload, naming its owner; nothing else is there.
    /// </summary>
    public int CheckRecords(IReadOnlyList<StoredAccessRecord> records, SigningKey key, IReadOnlyList<SimulatedUser> users)
    {
        Violations.AddRange(records.Where(r => !r.Verify(key)).Select(r => $"record {r.Record.RecordId}: signature does not verify"));
        var byRequest = records.GroupBy(r => r.Record.RequestId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(r => r.Record).ToList(), StringComparer.Ordinal);
        var processed = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (requestId, own) in byRequest)
        {
            if (byRequestId.TryGetValue(requestId, out var e))
            {
                CheckRequestRecords(e, own);
            }
            else if (own.All(r => r.ActorUserId == ProcessorActor))
            {
                own.ForEach(r => CheckProcessorRecord(r, processed));
            }
            else
            {
                Violations.Add($"records of a request nobody sent: {Describe(own)}");
            }
        }

        foreach (var e in exchanges.Where(e => !e.ToStorage && !byRequest.ContainsKey(e.RequestId!)))
        {
            Violations.Add($"{e.Method} {e.Path} ({e.Status}) by user {e.User.UserId} left no access record");
        }

        foreach (var upload in users.SelectMany(u => u.Uploads).Where(u => processed.GetValueOrDefault(u.UploadId) != 1))
        {
            Violations.Add($"upload {upload.UploadId} has {processed.GetValueOrDefault(upload.UploadId)} processing records");
        }

        return records.Count;
    }

    private void CheckRequestRecords(Exchange e, List<AccessRecord> own)
    {
        var route = RouteOf(e);
        var (session, upload) = PathIds(e.Path);
        var access = Classify(e);
        if (access != Access.Own || e.Status == 404)
        {
            if (own is not [{ Outcome: AccessOutcome.NotFound } record] || record.ActorUserId != e.User.UserId ||
                (record.SessionId is not null && record.SessionId != session) || (record.UploadId is not null && record.UploadId != upload))
            {
                Violations.Add($"{access} {e.Method} {e.Path} by {e.User.UserId} ({e.Status}) must leave one not-found record by its sender: {Describe(own)}");
            }

            return;
        }

        if (e.Status is < 200 or > 299 || !RecordsByRoute.TryGetValue(route, out var expected))
        {
            Violations.Add($"{e.Method} {e.Path} by {e.User.UserId}: status {e.Status} or route without an expectation");
            return;
        }

        if (!own.Select(r => r.Action).Order(StringComparer.Ordinal).SequenceEqual(expected.Order(StringComparer.Ordinal)))
        {
            Violations.Add($"{route} by {e.User.UserId} left {Describe(own)}, expected {string.Join(", ", expected)}");
        }

        var actor = route is "POST /api/auth/register" or "POST /api/auth/verify-email" ? null : e.User.UserId;
        foreach (var r in own.Where(r => r.Outcome != AccessOutcome.Allowed || r.ActorUserId != actor ||
                                         (r.SubjectUserId is not null && r.SubjectUserId != e.User.UserId) ||
                                         (r.SessionId is not null && owners.OwnerOf(r.SessionId) != e.User) ||
                                         (r.UploadId is not null && owners.OwnerOf(r.UploadId) != e.User)))
        {
            Violations.Add($"{route} by {e.User.UserId}: record names another actor or resource: {Describe([r])}");
        }
    }

    private void CheckProcessorRecord(AccessRecord r, Dictionary<string, int> processed)
    {
        var owner = owners.OwnerOf(r.SubjectUserId);
        if (r is not { Action: "upload.process", Outcome: AccessOutcome.Allowed } || owner is null ||
            !owner.Uploads.Any(u => u.UploadId == r.UploadId && u.SessionId == r.SessionId))
        {
            Violations.Add($"processor record does not name one upload of its subject: {Describe([r])}");
            return;
        }

        processed[r.UploadId!] = processed.GetValueOrDefault(r.UploadId!) + 1;
    }

    private void CheckApiLine(int process, string line, JsonElement json)
    {
        var (requestId, userId, sessionId, uploadId) = (Field(json, "correlation_id"), Field(json, "user_id"), Field(json, "session_id"), Field(json, "upload_id"));
        if (requestId is null)
        {
            CheckUnattributedLine(line, userId ?? sessionId ?? uploadId);
            return;
        }

        if (!byRequestId.TryGetValue(requestId, out var e))
        {
            Violations.Add($"API process {process}: line of a request nobody sent: {line}");
            return;
        }

        var (session, upload) = PathIds(e.Path);
        var signingIn = e.Path is "/api/auth/register" or "/api/auth/verify-email" or "/api/auth/login";
        if (e.Process != process || Field(json, "request_id") != requestId ||
            (userId is not null && userId != e.User.UserId && !(signingIn && userId == "anonymous")) ||
            (sessionId is not null && sessionId != session) || (uploadId is not null && uploadId != upload))
        {
            Violations.Add($"API process {process}: line does not match {e.Method} {e.Path} by {e.User.UserId} sent to process {e.Process}: {line}");
        }

        foreach (var token in owners.ForeignTokens(line, e.User, session, upload))
        {
            Violations.Add($"API process {process}: line of user {e.User.UserId}'s request names {token}: {line}");
        }
    }

    private void CheckProcessorLine(string line, JsonElement json, Dictionary<string, SimulatedUser> jobOwners)
    {
        var (requestId, userId, sessionId, uploadId) = (Field(json, "correlation_id"), Field(json, "user_id"), Field(json, "session_id"), Field(json, "upload_id"));
        if (requestId is null || userId is null or "anonymous")
        {
            CheckUnattributedLine(line, requestId is null ? userId ?? sessionId ?? uploadId : sessionId ?? uploadId);
            return;
        }

        var owner = owners.OwnerOf(userId);
        if (owner is null || !owner.Uploads.Any(u => u.SessionId == sessionId && u.UploadId == uploadId) ||
            (jobOwners.TryGetValue(requestId, out var earlier) && earlier != owner))
        {
            Violations.Add($"processor: job line does not name one upload of one user: {line}");
            return;
        }

        jobOwners[requestId] = owner;
        foreach (var token in owners.ForeignTokens(line, owner))
        {
            Violations.Add($"processor: job line of user {userId} names {token}: {line}");
        }
    }

    private void CheckUnattributedLine(string line, string? id)
    {
        if (id is not null || owners.ForeignTokens(line, null).Any())
        {
            Violations.Add($"a line outside any user's request names user data: {line}");
        }
    }

    private JsonElement? Parse(string line, string process)
    {
        if (line.StartsWith("stderr: ", StringComparison.Ordinal))
        {
            CheckUnattributedLine(line, null);
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            Violations.Add($"{process}: not a JSON log line: {line}");
            return null;
        }
    }

    private static string? Field(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Comparable(Exchange e) =>
        $"{e.Status}\n{e.Headers}\n{(e.RequestId is null ? e.Body : e.Body.Replace(e.RequestId, "<request-id>", StringComparison.Ordinal))}";

    private static string Describe(IEnumerable<AccessRecord> records) => string.Join("; ", records.Select(r =>
        $"{r.Action} {AccessRecord.OutcomeName(r.Outcome)} actor={r.ActorUserId} subject={r.SubjectUserId} session={r.SessionId} upload={r.UploadId}"));

    /// <summary>The upload form's policy is base64 JSON naming the object key; it is scanned like the rest of the body.</summary>
    private static string DecodedPolicy(string body)
    {
        if (!body.Contains("\"fields\"", StringComparison.Ordinal))
        {
            return "";
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("upload", out var form) && form.TryGetProperty("fields", out var fields)
            ? string.Join('\n', fields.EnumerateObject().Where(f => f.Name.Equals("policy", StringComparison.OrdinalIgnoreCase))
                .Select(f => Encoding.UTF8.GetString(Convert.FromBase64String(f.Value.GetString()!))))
            : "";
    }

    [GeneratedRegex("^/api/sessions/(?<s>[0-9a-f-]{36})(?:/uploads(?:/(?<u>[0-9a-f-]{36}))?)?")]
    private static partial Regex SessionPath();

    [GeneratedRegex("\"correlation_id\":\"([^\"]+)\"")]
    private static partial Regex CorrelationId();
}
