using Amazon.Runtime;

using Enclave.Core.Secrets;
using Enclave.Core.Storage;

using Microsoft.AspNetCore.Diagnostics;

namespace Enclave.Functions.Http;

/// <summary>
/// Every error is RFC 9457 problem+json with type, title, status and requestId: never exception text,
/// stack traces or internal names.
/// </summary>
internal static partial class Problems
{
    public static IServiceCollection AddEnclaveProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Extensions.Clear();
            problem.Instance = null;
            problem.Detail = null;
            if (context.HttpContext.Items[ErrorsKey] is IDictionary<string, string[]> errors)
            {
                problem.Extensions["errors"] = errors;
            }

            problem.Type ??= problem.Status == StatusCodes.Status429TooManyRequests
                ? "https://www.rfc-editor.org/rfc/rfc6585#section-4"
                : "about:blank";
            problem.Title = context.HttpContext.Items[TitleKey] as string ?? TitleFor(problem.Status ?? 500) ?? problem.Title;
            problem.Extensions["requestId"] = context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ExceptionToProblem>();
        return services;
    }

    public const string ErrorsKey = "enclave.problem.errors";
    public const string TitleKey = "enclave.problem.title";

    public static string? TitleFor(int status) => status switch
    {
        400 => "The request is not valid.",
        401 => "Sign in to continue.",
        403 => "This request is not allowed.",
        404 => "Not Found",
        405 => "This method is not allowed here.",
        409 => "This conflicts with the current state.",
        413 => "The request body is too large.",
        415 => "Send the body as application/json.",
        429 => "Too many attempts. Try again later.",
        503 => "The service is temporarily unavailable. Try again shortly.",
        500 => "Something went wrong on our side.",
        _ => null,
    };

    /// <summary>Field errors as a 400 problem through the same writer as every other problem.</summary>
    public static async Task WriteValidationAsync(HttpContext context, IReadOnlyDictionary<string, string[]> errors)
    {
        context.Items[ErrorsKey] = errors.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        await WriteAsync(context, StatusCodes.Status400BadRequest);
    }

    public static async Task WriteAsync(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        var writer = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await writer.WriteAsync(new ProblemDetailsContext { HttpContext = context });
    }

    private sealed partial class ExceptionToProblem(ILogger<ExceptionToProblem> logger) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            var status = exception switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                DependencyUnavailableException or SecretUnavailableException or Core.Mail.MailUnavailableException or AmazonClientException or AmazonServiceException
                    or HttpRequestException
                    or TimeoutException => StatusCodes.Status503ServiceUnavailable,
                OperationCanceledException when !httpContext.RequestAborted.IsCancellationRequested => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            };
            if (status >= 500)
            {
                LogFailure(logger, status, exception);
                Logging.IsolationViolation.LogIfAccessDenied(logger, exception);
            }

            if (exception is BadHttpRequestException { InnerException: System.Text.Json.JsonException })
            {
                httpContext.Items[TitleKey] = "The request body is not valid JSON of the expected shape.";
            }

            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                httpContext.Response.Headers.RetryAfter = "2";
            }

            await WriteAsync(httpContext, status);
            return true;
        }

        [LoggerMessage(Level = LogLevel.Error, Message = "Request failed with {Status}")]
        private static partial void LogFailure(ILogger logger, int status, Exception exception);
    }
}
