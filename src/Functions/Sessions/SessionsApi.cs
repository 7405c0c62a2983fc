using Enclave.Core.Audit;

using Enclave.Core.Configuration;
using Enclave.Core.Ids;
using Enclave.Core.Sessions;
using Enclave.Core.Uploads;
using Enclave.Functions.Auth;
using Enclave.Functions.Http;

using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Enclave.Functions.Sessions;

internal sealed record SessionNameRequest(string? Name);

/// <summary>
/// Work sessions of the signed-in user. Every lookup is by (current user, id from the path); an id
/// of the wrong shape, another user's id and a missing id all answer the same 404.
/// </summary>
internal static class SessionsApi
{
    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder routes)
    {
        var sessions = routes.MapGroup("/api/sessions").RequireAuthorization().WithTags("Sessions");
        sessions.MapPost("", CreateAsync);
        sessions.MapGet("", ListAsync);
        sessions.MapGet("/{sessionId}", GetAsync);
        sessions.MapPatch("/{sessionId}", RenameAsync);
        sessions.MapDelete("/{sessionId}", DeleteAsync);
        return routes;
    }

    private static async Task<Results<Created<Session>, ProblemResult>> CreateAsync(
        SessionNameRequest? body, ISessionStore store, CurrentUser user, CancellationToken cancellationToken)
    {
        var name = body?.Name;
        if (SessionName.Validate(ref name) is { } problem)
        {
            return ProblemResult.Field("name", problem);
        }

        return await store.CreateAsync(user.Id, name!, cancellationToken) is { } session
            ? TypedResults.Created($"/api/sessions/{session.SessionId}", session)
            : new ProblemResult(StatusCodes.Status409Conflict, title: "You already have the most sessions allowed.");
    }

    private static async Task<Results<Ok<SessionPage>, ProblemResult>> ListAsync(
        string? cursor, int? limit, ISessionStore store, CurrentUser user, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 100)
        {
            return ProblemResult.Field("limit", "Use a limit from 1 to 100.");
        }

        string? after = null;
        if (cursor is not null)
        {
            if (Cursors.Decode(cursor) is not { } decoded)
            {
                return ProblemResult.Field("cursor", "The cursor is not valid.");
            }

            after = decoded;
        }

        var page = await store.ListAsync(user.Id, after, limit ?? limits.Value.PageSizeDefault, cancellationToken);
        return TypedResults.Ok(page with { NextCursor = page.NextCursor is null ? null : Cursors.Encode(page.NextCursor) });
    }

    private static async Task<Results<Ok<Session>, NotFound>> GetAsync(
        string sessionId, ISessionStore store, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!EntityId.TryParse(sessionId, out var id))
        {
            return TypedResults.NotFound();
        }

        return await store.FindAsync(user.Id, id.Value, cancellationToken) is { } session
            ? TypedResults.Ok(session)
            : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<Session>, NotFound, ProblemResult>> RenameAsync(
        string sessionId, SessionNameRequest? body, ISessionStore store, CurrentUser user, IAccessLog accessLog, CancellationToken cancellationToken)
    {
        if (!EntityId.TryParse(sessionId, out var id))
        {
            return TypedResults.NotFound();
        }

        var name = body?.Name;
        if (SessionName.Validate(ref name) is { } problem)
        {
            return await accessLog.RefusedAsync(new AccessEvent("session.rename", AccessOutcome.Denied, RecordedRefusal.InvalidInput, id.Value),
                ProblemResult.Field("name", problem), cancellationToken);
        }

        return await store.RenameAsync(user.Id, id.Value, name!, cancellationToken) is { } session
            ? TypedResults.Ok(session)
            : TypedResults.NotFound();
    }

    private static async Task<Results<NoContent, NotFound>> DeleteAsync(
        string sessionId, UploadService uploads, CurrentUser user, CancellationToken cancellationToken)
    {
        if (!EntityId.TryParse(sessionId, out var id))
        {
            return TypedResults.NotFound();
        }

        return await uploads.DeleteSessionAsync(user.Id, id.Value, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
    }
}
