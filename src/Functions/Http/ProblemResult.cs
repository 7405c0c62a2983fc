using System.Reflection;

using Microsoft.AspNetCore.Http.Metadata;

namespace Enclave.Functions.Http;

/// <summary>A problem response written by the shared problem writer (so it carries requestId).</summary>
internal sealed class ProblemResult(
    int status, IReadOnlyDictionary<string, string[]>? errors = null, TimeSpan? retryAfter = null, string? title = null)
    : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult
{
    public int? StatusCode => status;

    public static ProblemResult Validation(IReadOnlyDictionary<string, string[]> errors) => new(StatusCodes.Status400BadRequest, errors);

    public static ProblemResult Field(string field, string message) =>
        Validation(new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });

    public static ProblemResult TooManyRequests(TimeSpan retryAfter) => new(StatusCodes.Status429TooManyRequests, retryAfter: retryAfter);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        if (retryAfter is { } wait)
        {
            httpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (title is not null)
        {
            httpContext.Items[Problems.TitleKey] = title;
        }

        if (errors is not null)
        {
            await Problems.WriteValidationAsync(httpContext, errors);
            return;
        }

        await Problems.WriteAsync(httpContext, status);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status400BadRequest, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
}
