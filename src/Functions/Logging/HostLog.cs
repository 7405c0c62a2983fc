namespace Enclave.Functions.Logging;

internal static partial class HostLog
{
    [LoggerMessage(Level = LogLevel.Critical, Message = "Start-up refused: {Reason}")]
    public static partial void LogStartupRefused(this ILogger logger, string reason);
}
