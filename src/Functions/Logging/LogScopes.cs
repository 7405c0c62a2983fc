using System.Text.Json;

namespace Enclave.Functions.Logging;

/// <summary>The ids a log line carries, pushed as logging scopes that live exactly as long as the request.</summary>
internal static class LogScopes
{
    public const string RequestId = "correlation_id";
    public const string UserId = "user_id";
    public const string SessionId = "session_id";
    public const string UploadId = "upload_id";

    public static Dictionary<string, object?> Request(string requestId, bool coldStart, IHeaderDictionary headers)
    {
        var scope = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [RequestId] = requestId,

            // Overrides the host's connection-based "RequestId" so every id in a line is ours.
            ["request_id"] = requestId,
            ["cold_start"] = coldStart,
        };
        if (headers["X-Amzn-Trace-Id"].ToString() is { Length: > 0 and < 256 } trace)
        {
            scope["xray_trace_id"] = trace.Split(';')[0].Replace("Root=", "", StringComparison.Ordinal);
        }

        if (LambdaRequestId(headers["x-amzn-lambda-context"].ToString()) is { } lambdaRequestId)
        {
            scope["function_request_id"] = lambdaRequestId;
        }

        return scope;
    }

    /// <summary>The request's own id under both names; it overrides the host's connection-based "RequestId".</summary>
    public static Dictionary<string, object?> Ids(string requestId) => new(StringComparer.Ordinal)
    {
        [RequestId] = requestId,
        ["request_id"] = requestId,
    };

    // The Web Adapter passes the Lambda context as JSON in this header.
    private static string? LambdaRequestId(string header)
    {
        if (header.Length is 0 or > 4096)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(header);
            return document.RootElement.TryGetProperty("request_id", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
