using System.Diagnostics;

using Enclave.Core.Ids;
using Enclave.Core.Requests;
using Enclave.Functions.Hosting;
using Enclave.Functions.Logging;

namespace Enclave.Functions.Http;

/// <summary>
/// First in the pipeline: gives the request its id, fills the scoped <see cref="RequestContext"/>,
/// opens the request's logging scope, and sets the headers every response carries.
/// </summary>
internal sealed partial class RequestContextMiddleware(
    RequestDelegate next,
    ClientAddress clientAddress,
    ColdStart coldStart,
    ILogger<RequestContextMiddleware> logger)
{
    public const string RequestIdHeader = "X-Request-Id";

    public async Task InvokeAsync(HttpContext context, RequestContext request)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = EntityId.New().Value;
        context.TraceIdentifier = requestId;
        var address = clientAddress.Resolve(context);
        request.Begin(requestId, address ?? "unknown");
        var awsCalls = new AwsCallCount();
        context.Features.Set(awsCalls);
        context.Response.OnStarting(static state =>
        {
            var ctx = (HttpContext)state;
            var headers = ctx.Response.Headers;
            headers[RequestIdHeader] = ctx.TraceIdentifier;
            headers.StrictTransportSecurity = "max-age=63072000; includeSubDomains";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            if (!headers.ContainsKey("Content-Security-Policy"))
            {
                headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
            }

            if (ctx.Request.Path.StartsWithSegments("/api"))
            {
                headers.CacheControl = "no-store";
                headers.Pragma = "no-cache";
            }

            return Task.CompletedTask;
        }, context);

        using var scope = logger.BeginScope(LogScopes.Request(requestId, coldStart.Claim(), context.Request.Headers));
        try
        {
            if (address is null && !OriginVerifyMiddleware.IsReadinessProbe(context.Request))
            {
                // The edge always sets the configured source, so this is a request that bypassed it or a
                // misconfigured edge: refused, never attributed to the peer (README "Client address").
                LogNoClientAddress(logger, clientAddress.Source);
                context.Items[Problems.TitleKey] = "The request does not say which address it came from.";
                await Problems.WriteAsync(context, StatusCodes.Status400BadRequest);
                return;
            }

            await next(context);
        }
        finally
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                var endpoint = context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint();
                var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
                var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                LogFinished(logger, context.Request.Method, route, context.Response.StatusCode, elapsedMs, request.UserId ?? "anonymous", awsCalls.Calls);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a request whose client address source {Source} is missing or malformed")]
    private static partial void LogNoClientAddress(ILogger logger, Core.Configuration.ClientAddressSource source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Request finished {Method} {Route} {Status} in {DurationMs:0.0} ms for {UserId} with {AwsCalls} AWS calls")]
    private static partial void LogFinished(ILogger logger, string method, string route, int status, double durationMs, string userId, int awsCalls);
}
