using System.Globalization;
using System.Text;
using System.Text.Json;

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Enclave.Functions.Logging;

/// <summary>
/// One JSON object per line with the field names of Powertools for AWS Lambda (level, message,
/// timestamp, service, cold_start, function_request_id, xray_trace_id, correlation_id) plus our own
/// snake_case keys from the message template and the request's logging scopes. The one seam to
/// replace if the Powertools package becomes available.
/// </summary>
internal sealed class PowertoolsJsonFormatter : ConsoleFormatter
{
    public const string FormatterName = "powertools";

    private readonly string service;

    public PowertoolsJsonFormatter()
        : base(FormatterName)
    {
        service = Environment.GetEnvironmentVariable("POWERTOOLS_SERVICE_NAME") ?? "enclave-api";
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var fields = new Dictionary<string, object?>(StringComparer.Ordinal) { ["cold_start"] = false };
        scopeProvider?.ForEachScope(static (scope, target) => Collect(scope, target), fields);
        Collect(logEntry.State, fields);

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("level", logEntry.LogLevel.ToString());
            writer.WriteString("message", message);
            writer.WriteString("timestamp", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("service", service);
            writer.WriteString("category", logEntry.Category);
            foreach (var (key, value) in fields)
            {
                WriteValue(writer, key, value);
            }

            if (logEntry.Exception is { } exception)
            {
                writer.WriteString("exception_type", exception.GetType().FullName);
                writer.WriteString("exception", exception.ToString());
            }

            writer.WriteEndObject();
        }

        textWriter.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write('\n');
    }

    private static void Collect(object? state, Dictionary<string, object?> target)
    {
        if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (var (key, value) in pairs)
            {
                if (key != "{OriginalFormat}")
                {
                    target[SnakeCase(key)] = value;
                }
            }
        }
    }

    private static string SnakeCase(string key) => key.Contains('_', StringComparison.Ordinal) ? key : JsonNamingPolicy.SnakeCaseLower.ConvertName(key);

    private static void WriteValue(Utf8JsonWriter writer, string key, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNull(key);
                break;
            case bool b:
                writer.WriteBoolean(key, b);
                break;
            case int i:
                writer.WriteNumber(key, i);
                break;
            case long l:
                writer.WriteNumber(key, l);
                break;
            case double d:
                writer.WriteNumber(key, Math.Round(d, 3));
                break;
            default:
                writer.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}

internal static class LoggingSetup
{
    public static ILoggingBuilder AddPowertoolsJson(this ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddConsole(options => options.FormatterName = PowertoolsJsonFormatter.FormatterName);
        logging.Services.AddSingleton<ConsoleFormatter, PowertoolsJsonFormatter>();
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = PowertoolsJsonFormatter.FormatterName);
        return logging;
    }
}
