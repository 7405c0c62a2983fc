using Enclave.Core.Audit;
using Enclave.Core.Configuration;
using Enclave.Core.Ids;
using Enclave.Core.Secrets;
using Enclave.Functions.Http;

using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Enclave.Functions.Audit;

/// <summary>
/// Access records for the auditor role. Anyone else gets the same 404 as a missing route (the cookie
/// handler's forbid answer), so the route is not advertised. Each call is one DynamoDB Query per partition of
/// the pattern (one, or one per shard for a day or the anonymous actor), and the
/// auditor's own query is recorded before any record is returned.
/// </summary>
internal static class AuditApi
{
    public const string AuditorPolicy = "auditor";
    public const string AuditorRole = "auditor";

    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder routes)
    {
        // Left out of /api/openapi.json, which anyone may read: the route is for auditors only and not advertised.
        routes.MapGet("/api/audit", QueryAsync).RequireAuthorization(AuditorPolicy).ExcludeFromDescription();
        return routes;
    }

    private static async Task<Results<Ok<AuditPage>, ProblemResult>> QueryAsync(
        HttpRequest http, IAccessLog accessLog, SigningKeys keys, Amazon.DynamoDBv2.IAmazonDynamoDB dynamo, IOptions<StorageOptions> storage,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (AuditQuery.Parse(http.Query, errors) is not { } query)
        {
            return ProblemResult.Validation(errors);
        }

        var cookieKey = await keys.CookieKeyAsync(cancellationToken);
        Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>? startKey = null;
        if (query.Cursor is { } cursor && (startKey = AuditCursor.Decode(cursor, query.Scope, cookieKey)) is null)
        {
            return ProblemResult.Field("cursor", "The cursor is not valid.");
        }

        var page = await new AccessRecordQueries(dynamo, storage.Value.AuditTable, AccessRecordLayout.From(storage.Value))
            .QueryAsync(query.Filter, query.Limit, startKey, cancellationToken);
        var auditKey = await keys.AuditKeyAsync(cancellationToken);
        var items = page.Items.Select(r => AuditRecordResponse.From(r, r.Verify(auditKey))).ToList();

        // Auditors are audited: the query itself is a record, written before any record is returned.
        await accessLog.WriteAsync(
            new AccessEvent("audit.query", AccessOutcome.Allowed, Reason: query.Scope, SessionId: query.Filter.Session,
                SubjectUserId: EntityId.TryParse(query.Filter.Actor ?? query.Filter.Subject, out var subject) ? subject.Value : null),
            cancellationToken);
        var next = page.NextKey is { } last ? AuditCursor.Encode(last, query.Scope, cookieKey) : null;
        return TypedResults.Ok(new AuditPage(items, next));
    }
}
