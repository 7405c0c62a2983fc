using System.Net;

using Amazon.Runtime;

namespace Enclave.Functions.Logging;

/// <summary>
/// AWS refusing a call means app code reached outside the current user's partition or prefix (IAM caught it),
/// or a role is misconfigured; either must page someone. The log line carries <c>isolation_violation: 1</c>,
/// which the CloudWatch metric filter counts.
/// </summary>
internal static partial class IsolationViolation
{
    public static bool IsAccessDenied(Exception exception) =>
        exception is AmazonServiceException { StatusCode: HttpStatusCode.Forbidden } or
            AmazonServiceException { ErrorCode: "AccessDeniedException" or "AccessDenied" };

    public static void LogIfAccessDenied(ILogger logger, Exception exception)
    {
        if (IsAccessDenied(exception))
        {
            Log(logger, 1, ((AmazonServiceException)exception).ErrorCode ?? "");
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "AWS refused a call ({IsolationViolation}, {AwsErrorCode})")]
    private static partial void Log(ILogger logger, int isolationViolation, string awsErrorCode);
}
