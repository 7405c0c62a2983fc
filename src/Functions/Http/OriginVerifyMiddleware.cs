using Enclave.Core.Configuration;
using Enclave.Core.Secrets;

using Microsoft.Extensions.Options;

namespace Enclave.Functions.Http;

/// <summary>
/// First in the pipeline when Enclave:OriginSecretName is set: a request that does not carry CloudFront's
/// origin secret did not come through the edge (the WAF, the viewer address), so it gets a bare 403 before
/// anything else runs: no request id, no authentication, no storage, no access record. The one exception
/// is the Web Adapter's readiness probe, GET /api/health, which it sends from inside the sandbox without
/// headers and which answers a constant.
/// </summary>
internal sealed partial class OriginVerifyMiddleware(
    RequestDelegate next,
    CachedSecretSource secrets,
    IOptions<EnclaveHostOptions> options,
    ILogger<OriginVerifyMiddleware> logger)
{
    public const string HeaderName = OriginSecret.HeaderName;
    public const string ReadinessPath = "/api/health";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (IsReadinessProbe(request))
        {
            await next(context);
            return;
        }

        var presented = request.Headers[HeaderName];
        bool verified;
        try
        {
            verified = presented.Count == 1 && presented[0] is { Length: > 0 and <= 512 } value &&
                       OriginSecret.Matches(await secrets.GetAsync(options.Value.OriginSecretName!, context.RequestAborted), value);
        }
        catch (SecretUnavailableException ex)
        {
            LogSecretUnavailable(logger, ex.Message);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "2";
            return;
        }

        if (!verified)
        {
            LogRefused(logger, request.Method, presented.Count == 0 ? "missing" : "wrong");
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        // Nothing after this point needs it, and nothing should log it.
        request.Headers.Remove(HeaderName);
        await next(context);
    }

    /// <summary>GET /api/health: a constant answer, no work, no record; the adapter sends it without any edge header.</summary>
    public static bool IsReadinessProbe(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && request.Path.Equals(ReadinessPath, StringComparison.Ordinal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a {Method} request that did not come through the edge (origin secret {State})")]
    private static partial void LogRefused(ILogger logger, string method, string state);

    [LoggerMessage(Level = LogLevel.Error, Message = "The origin secret could not be read: {Reason}")]
    private static partial void LogSecretUnavailable(ILogger logger, string reason);
}
