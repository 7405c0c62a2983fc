using Microsoft.Net.Http.Headers;

namespace Enclave.Functions.Http;

/// <summary>
/// The contract is UTF-8 JSON. The framework would transcode a body declared in another charset
/// (<c>charset=iso-8859-1</c>) and accept it, so such a request is refused with 415 before it is read.
/// </summary>
internal sealed class Utf8BodyMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentType is { Length: > 0 } contentType &&
            MediaTypeHeaderValue.TryParse(contentType, out var mediaType) &&
            mediaType.Charset is { Length: > 0 } charset &&
            !string.Equals(HeaderUtilities.RemoveQuotes(charset).ToString(), "utf-8", StringComparison.OrdinalIgnoreCase))
        {
            context.Items[Problems.TitleKey] = "Send the body as UTF-8 JSON (charset=utf-8, or no charset).";
            await Problems.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType);
            return;
        }

        await next(context);
    }
}
