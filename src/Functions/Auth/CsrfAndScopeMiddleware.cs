using System.Security.Cryptography;
using System.Text;

using Enclave.Core.Audit;
using Enclave.Core.Ids;
using Enclave.Functions.Http;
using Enclave.Functions.Logging;

namespace Enclave.Functions.Auth;

/// <summary>
/// Runs after authorization: adds the caller's and the route's ids to the logging scope, and refuses
/// state-changing requests of a signed-in user that lack the matching X-CSRF-Token header.
/// </summary>
internal sealed class CsrfAndScopeMiddleware(RequestDelegate next, ILogger<CsrfAndScopeMiddleware> logger)
{
    public const string HeaderName = "X-CSRF-Token";

    public async Task InvokeAsync(HttpContext context, CurrentUser currentUser, IAccessLog accessLog)
    {
        if (!currentUser.IsAuthenticated)
        {
            await next(context);
            return;
        }

        var scope = new Dictionary<string, object?>(StringComparer.Ordinal) { [LogScopes.UserId] = currentUser.Id };
        AddRouteId(context, "sessionId", LogScopes.SessionId, scope);
        AddRouteId(context, "uploadId", LogScopes.UploadId, scope);
        using var logScope = logger.BeginScope(scope);

        if (!IsSafe(context.Request.Method) && !Matches(context.Request.Headers[HeaderName].ToString(), currentUser.User.CsrfToken))
        {
            await accessLog.WriteAsync(new AccessEvent("csrf.check", AccessOutcome.Denied, "missing-or-wrong-csrf-token"), context.RequestAborted);
            await Problems.WriteAsync(context, StatusCodes.Status403Forbidden);
            return;
        }

        await next(context);
    }

    private static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    private static bool Matches(string presented, string expected) =>
        presented.Length == expected.Length &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented), Encoding.ASCII.GetBytes(expected));

    private static void AddRouteId(HttpContext context, string routeKey, string logKey, Dictionary<string, object?> scope)
    {
        if (context.Request.RouteValues.TryGetValue(routeKey, out var value) && EntityId.TryParse(value as string, out var id))
        {
            scope[logKey] = id.Value;
        }
    }
}
