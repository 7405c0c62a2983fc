using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;

using Enclave.Core.Audit;
using Enclave.Core.Secrets;
using Enclave.Core.Sessions;
using Enclave.Core.Storage;
using Enclave.Core.Uploads;

namespace Enclave.Tests.Infrastructure;

/// <summary>What the checker looked at, and every broken rule it found.</summary>
public sealed record InvariantReport(int Sessions, int Uploads, int Objects, int Records, IReadOnlyList<string> Violations)
{
    public override string ToString() =>
        $"{Sessions} sessions, {Uploads} uploads, {Objects} objects, {Records} records: {Violations.Count} violations" +
        string.Concat(Violations.Select(v => "\n  " + v));
}

/// <summary>
/// Reads one test's whole data table, audit table and bucket, and checks the rules that no failure may break: a
/// mutation and its access record commit together; an upload has its file once it left "pending"; an upload
/// never outlives its session; the session's upload counter equals its upload items; the owner's session register holds exactly the live sessions
/// (and perhaps expired ones not yet pruned); and no object exists outside
/// a known upload. Invariant 10 (v2): no object version that no upload item owns, no pending upload past its
/// window, no version of a checked file but the pinned one once swept, no incomplete multipart upload without a
/// pending upload. Run it after faults: anything half-written shows up here.
/// </summary>
public static class StorageInvariants
{
    private const string UserPrefix = "USER#";
    private const string SessionPrefix = "SESSION#";
    private const string UploadPrefix = "UPLOAD#";
    private const string TombstonePrefix = "TOMBSTONE#";

    /// <summary>How long past its due time an entry may wait for the sweeper (a few sweep periods) before that is a violation.</summary>
    public static readonly TimeSpan SweepGrace = TimeSpan.FromMinutes(2);

    public static async Task<InvariantReport> AssertHoldAsync(IAmazonDynamoDB dynamo, IAmazonS3 s3, TestStorage storage, SigningKey? auditKey = null)
    {
        var report = await CheckAsync(dynamo, s3, storage, auditKey);
        Assert.True(report.Violations.Count == 0, report.ToString());
        return report;
    }

    public static async Task<InvariantReport> CheckAsync(IAmazonDynamoDB dynamo, IAmazonS3 s3, TestStorage storage, SigningKey? auditKey = null)
    {
        var items = await ScanAsync(dynamo, storage.DataTable);
        // The audit table also holds the digest job's seals, which are not access records.
        var recordItems = (await ScanAsync(dynamo, storage.AuditTable))
            .Where(i => !i[Attr.Pk].S.StartsWith(AccessRecordDigests.DigestPrefix, StringComparison.Ordinal)).ToList();
        var objects = await ListAsync(s3, storage.Bucket);
        var versions = await ListVersionsAsync(s3, storage.Bucket);
        var multipart = await ListMultipartAsync(s3, storage.Bucket);
        var violations = new List<string>();
        var now = DateTimeOffset.UtcNow;
        bool Overdue(Dictionary<string, AttributeValue> item) =>
            item.GetS(TableSchemas.SweepAt) is { } due && DateTimeOffset.Parse(due, System.Globalization.CultureInfo.InvariantCulture) + SweepGrace < now;

        var stored = recordItems.Select(StoredAccessRecord.FromItem).ToList();
        var records = stored.Select(r => r.Record).ToList();
        if (auditKey is not null)
        {
            violations.AddRange(stored
                .Where(r => !r.Verify(auditKey))
                .Select(r => $"record {r.Record.RecordId} does not verify with the audit key"));
        }

        // The processor's records name it as actor and the owner as subject.
        bool HasRecord(string action, AccessOutcome outcome, string owner, string sessionId, string? uploadId = null) =>
            records.Any(r => r.Action == action && r.Outcome == outcome && (r.ActorUserId == owner || r.SubjectUserId == owner) && r.SessionId == sessionId &&
                             (uploadId is null || r.UploadId == uploadId));

        var sessions = items.Where(i => i.RequireS(Attr.Sk).StartsWith(SessionPrefix, StringComparison.Ordinal)).ToList();
        var uploads = items.Where(i => i.RequireS(Attr.Sk).StartsWith(UploadPrefix, StringComparison.Ordinal)).ToList();
        var sessionKeys = sessions.Select(s => (Owner: OwnerOf(s), Session: s.RequireS("sessionId"))).ToHashSet();
        var uploadsBySession = uploads.ToLookup(u => (Owner: OwnerOf(u), Session: u.RequireS("sessionId")));
        var objectKeys = objects.ToHashSet(StringComparer.Ordinal);

        foreach (var session in sessions)
        {
            var (owner, sessionId) = (OwnerOf(session), session.RequireS("sessionId"));
            var where = $"session {sessionId} of {owner}";
            if (session.RequireS(Attr.Sk) != SessionPrefix + sessionId)
            {
                violations.Add($"{where}: sort key {session.RequireS(Attr.Sk)} does not name it");
            }

            if (!HasRecord("session.create", AccessOutcome.Allowed, owner, sessionId))
            {
                violations.Add($"{where}: no allowed session.create record");
            }

            if (session.ContainsKey("deleting") && !HasRecord("session.delete", AccessOutcome.Allowed, owner, sessionId))
            {
                violations.Add($"{where}: marked deleting without an allowed session.delete record");
            }

            var counted = session.GetN("uploadCount");
            var actual = uploadsBySession[(owner, sessionId)].Count();
            if (counted != actual)
            {
                violations.Add($"{where}: uploadCount {counted} but {actual} upload items");
            }
        }

        // The session register (the sessions-per-user limit) holds every live session; an id may outlive its session only
        // by expiring (TTL deletes late, and the register is pruned at the limit), never by a delete.
        var registers = items.Where(i => i.RequireS(Attr.Sk) == DataKeys.SessionRegister)
            .ToDictionary(OwnerOf, i => i.TryGetValue(DynamoSessionStore.RegisterIds, out var ids) ? ids.SS.ToHashSet(StringComparer.Ordinal) : []);
        foreach (var session in sessions.Where(s => s.IsLive(now) && !s.ContainsKey("deleting")))
        {
            var (owner, sessionId) = (OwnerOf(session), session.RequireS("sessionId"));
            if (!registers.TryGetValue(owner, out var registered) || !registered.Contains(sessionId))
            {
                violations.Add($"session {sessionId} of {owner}: live but not in its owner's register");
            }
        }

        var present = sessions.Where(s => !s.ContainsKey("deleting")).Select(s => (OwnerOf(s), s.RequireS("sessionId"))).ToHashSet();
        violations.AddRange(registers.SelectMany(r => r.Value.Where(id => !present.Contains((r.Key, id)))
            .Select(id => $"register of {r.Key}: holds {id}, which is deleted or was never created")));

        foreach (var upload in uploads)
        {
            var owner = OwnerOf(upload);
            var (sessionId, uploadId, status) = (upload.RequireS("sessionId"), upload.RequireS("uploadId"), upload.RequireS("status"));
            var where = $"upload {uploadId} ({status}) of {owner}";
            var original = objectKeys.Contains(UploadKeys.Original(owner, sessionId, uploadId));
            var profile = objectKeys.Contains(UploadKeys.Profile(owner, sessionId, uploadId));
            if (!sessionKeys.Contains((owner, sessionId)))
            {
                violations.Add($"{where}: its session {sessionId} does not exist");
            }

            if (!HasRecord("upload.create", AccessOutcome.Allowed, owner, sessionId, uploadId))
            {
                violations.Add($"{where}: no allowed upload.create record");
            }

            violations.AddRange(StatusRules(status, original, profile, (action, outcome) => HasRecord(action, outcome, owner, sessionId, uploadId))
                .Select(problem => $"{where}: {problem}"));

            // Invariant 10: the sweeper settles every upload once its window has passed.
            if (status == UploadStatus.Pending && Overdue(upload))
            {
                violations.Add($"{where}: pending past its window");
            }

            if (status == UploadStatus.Expired && !HasRecord("upload.expire", AccessOutcome.Allowed, owner, sessionId, uploadId))
            {
                violations.Add($"{where}: expired without an upload.expire record");
            }

            var originalKey = UploadKeys.Original(owner, sessionId, uploadId);
            if (status is UploadStatus.Uploaded or UploadStatus.Processing or UploadStatus.Ready && upload.GetS("versionId") is { } pinned)
            {
                if (!upload.ContainsKey(TableSchemas.SweepAt) || Overdue(upload))
                {
                    violations.AddRange(versions.Where(v => v.Key == originalKey && v.VersionId != pinned)
                        .Select(v => $"{where}: version {v.VersionId} of its file is not the pinned one and outlived the sweep"));
                }

                if (!versions.Any(v => v.Key == originalKey && v.VersionId == pinned && v.IsDeleteMarker != true))
                {
                    violations.Add($"{where}: its pinned version {pinned} is gone");
                }
            }
        }

        // A pending multipart upload owns exactly the storage upload id it holds; a form upload owns none.
        var pendingMultipart = uploads.Where(u => u.RequireS("status") == UploadStatus.Pending && u.GetS("s3UploadId") is not null)
            .Select(u => (UploadKeys.Original(OwnerOf(u), u.RequireS("sessionId"), u.RequireS("uploadId")), u.RequireS("s3UploadId"))).ToHashSet();
        violations.AddRange(multipart.Where(m => !pendingMultipart.Contains((m.Key, m.UploadId)))
            .Select(m => $"incomplete multipart upload {m.UploadId} at {m.Key} without a pending upload"));

        // An upload deleted while its form could still write leaves a tombstone; until it is swept, its prefix may hold objects.
        var tombstoned = items.Where(i => i.RequireS(Attr.Sk).StartsWith(TombstonePrefix, StringComparison.Ordinal) && !Overdue(i))
            .Select(i => i.RequireS(Attr.Sk).Split('#') is [_, var session, var upload] ? UploadKeys.UploadPrefix(OwnerOf(i), session, upload) : "")
            .ToHashSet(StringComparer.Ordinal);
        var uploadKeys = uploads.Select(u => UploadKeys.UploadPrefix(OwnerOf(u), u.RequireS("sessionId"), u.RequireS("uploadId"))).ToHashSet(StringComparer.Ordinal);
        violations.AddRange(versions.Select(v => v.Key).Distinct(StringComparer.Ordinal)
            .Where(key => !(key.EndsWith("/original", StringComparison.Ordinal) || key.EndsWith("/profile.json", StringComparison.Ordinal)) ||
                          !(uploadKeys.Contains(key[..(key.LastIndexOf('/') + 1)]) || tombstoned.Contains(key[..(key.LastIndexOf('/') + 1)])))
            .Select(key => $"object {key} belongs to no known upload"));

        return new InvariantReport(sessions.Count, uploads.Count, objects.Count, records.Count, violations);
    }

    /// <summary>What each status promises about the stored files and the records of the steps that led to it.</summary>
    private static IEnumerable<string> StatusRules(string status, bool original, bool profile, Func<string, AccessOutcome, bool> hasRecord)
    {
        var completed = hasRecord("upload.complete", AccessOutcome.Allowed);
        switch (status)
        {
            case UploadStatus.Pending:
                // The browser may have posted the file; nothing was checked or profiled yet.
                if (profile)
                {
                    yield return "pending but has a profile";
                }

                break;
            case UploadStatus.Uploaded or UploadStatus.Processing or UploadStatus.Ready:
                if (!original)
                {
                    yield return "no original object";
                }

                if (!completed)
                {
                    yield return "no allowed upload.complete record";
                }

                if (status == UploadStatus.Ready && (!profile || !hasRecord("upload.process", AccessOutcome.Allowed)))
                {
                    yield return "ready without its profile or its upload.process record";
                }

                break;
            case UploadStatus.Rejected:
                // The original may linger when its delete failed (expiry removes it), but a rejection is always recorded.
                if (!hasRecord("upload.complete", AccessOutcome.Denied) && !hasRecord("upload.process", AccessOutcome.Denied))
                {
                    yield return "rejected without a denied upload.complete or upload.process record";
                }

                if (profile)
                {
                    yield return "rejected but has a profile";
                }

                break;
            case UploadStatus.Expired:
                if (profile)
                {
                    yield return "expired but has a profile";
                }

                break;
            case UploadStatus.Deleting:
                // Objects may be partly gone; a retry of the delete finishes it.
                if (!hasRecord("upload.delete", AccessOutcome.Allowed))
                {
                    yield return "deleting without an allowed upload.delete record";
                }

                break;
            default:
                yield return "unknown status";
                break;
        }
    }

    private static string OwnerOf(Dictionary<string, AttributeValue> item)
    {
        var pk = item.RequireS(Attr.Pk);
        return pk.StartsWith(UserPrefix, StringComparison.Ordinal) ? pk[UserPrefix.Length..] : throw new InvalidDataException($"Data item outside a user: {pk}");
    }

    private static async Task<List<Dictionary<string, AttributeValue>>> ScanAsync(IAmazonDynamoDB dynamo, string table)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.ScanAsync(new ScanRequest { TableName = table, ConsistentRead = true, ExclusiveStartKey = start });
            items.AddRange(page.Items);
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return items;
    }

    private static async Task<List<S3ObjectVersion>> ListVersionsAsync(IAmazonS3 s3, string bucket)
    {
        var versions = new List<S3ObjectVersion>();
        string? keyMarker = null, versionMarker = null;
        do
        {
            var page = await s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, KeyMarker = keyMarker, VersionIdMarker = versionMarker });
            versions.AddRange(page.Versions ?? []);
            (keyMarker, versionMarker) = page.IsTruncated == true ? (page.NextKeyMarker, page.NextVersionIdMarker) : (null, null);
        }
        while (keyMarker is not null);
        return versions;
    }

    private static async Task<List<MultipartUpload>> ListMultipartAsync(IAmazonS3 s3, string bucket)
    {
        var uploads = new List<MultipartUpload>();
        string? keyMarker = null, idMarker = null;
        do
        {
            var page = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket, KeyMarker = keyMarker, UploadIdMarker = idMarker });
            uploads.AddRange(page.MultipartUploads ?? []);
            (keyMarker, idMarker) = page.IsTruncated == true ? (page.NextKeyMarker, page.NextUploadIdMarker) : (null, null);
        }
        while (keyMarker is not null);
        return uploads;
    }

    private static async Task<List<string>> ListAsync(IAmazonS3 s3, string bucket)
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token });
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return keys;
    }
}
