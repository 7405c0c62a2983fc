using System.Globalization;

using Amazon.CDK;

using Constructs;

namespace Enclave.Cdk;

/// <summary>
/// Every deploy-time choice, read from CDK context (cdk.json, or <c>-c key=value</c>). README "Deploy"
/// lists each key; the defaults are the production defaults.
/// </summary>
public sealed record Settings
{
    /// <summary>Prefix of every physical name (tables, bucket, secrets, roles' paths in alarms).</summary>
    public string NamePrefix { get; init; } = "enclave";

    /// <summary>Region of the main stack. The WAF web ACL always lives in us-east-1 (CloudFront's rule).</summary>
    public string Region { get; init; } = "us-east-1";

    public string? Account { get; init; }

    /// <summary>Folder holding <c>bootstrap</c> (the Native AOT binary) and its native libraries.</summary>
    public string AppAssetPath { get; init; } = "artifacts/lambda";

    /// <summary>The web client's build output.</summary>
    public string WebAssetPath { get; init; } = "web/dist";

    /// <summary>Custom domain for CloudFront; with <see cref="CertificateArn"/> it lifts the viewer TLS floor to TLSv1.2_2021.</summary>
    public string? DomainName { get; init; }

    /// <summary>ACM certificate in us-east-1 covering <see cref="DomainName"/>.</summary>
    public string? CertificateArn { get; init; }

    /// <summary>Lambda Web Adapter layer version (LambdaAdapterLayerX86:N, a 1.x release).</summary>
    public int WebAdapterLayerVersion { get; init; } = 30;

    public int SessionLifetimeDays { get; init; } = 30;

    public int LogRetentionDays { get; init; } = 30;

    /// <summary>Caps the API's concurrent executions: the bound on runaway cost.</summary>
    public int ApiReservedConcurrency { get; init; } = 50;

    public int ProcessorReservedConcurrency { get; init; } = 5;

    /// <summary>How often EventBridge Scheduler runs the sweeper (context <c>sweepPeriodMinutes</c>).</summary>
    public int SweepPeriodMinutes { get; init; } = 5;

    /// <summary>HTTP API stage throttling: steady requests per second and burst.</summary>
    public int ApiRateLimit { get; init; } = 100;

    public int ApiBurstLimit { get; init; } = 200;

    /// <summary>WAF rate-based rule: requests per client IP per 5 minutes.</summary>
    public int WafRateLimit { get; init; } = 1000;

    /// <summary>The From address of account mail: an address of a verified SES identity (docs/mail.md). Required.</summary>
    public string MailSender { get; init; } = "";

    /// <summary>Optional e-mail subscribed to the alarm topic.</summary>
    public string? AlarmEmail { get; init; }

    public static Settings FromContext(Node node)
    {
        var defaults = new Settings();
        return new Settings
        {
            NamePrefix = Text(node, "namePrefix") ?? defaults.NamePrefix,
            Region = Text(node, "region") ?? defaults.Region,
            Account = Text(node, "account"),
            AppAssetPath = Text(node, "appAssetPath") ?? defaults.AppAssetPath,
            WebAssetPath = Text(node, "webAssetPath") ?? defaults.WebAssetPath,
            DomainName = Text(node, "domainName"),
            CertificateArn = Text(node, "certificateArn"),
            WebAdapterLayerVersion = Number(node, "webAdapterLayerVersion") ?? defaults.WebAdapterLayerVersion,
            SessionLifetimeDays = Number(node, "sessionLifetimeDays") ?? defaults.SessionLifetimeDays,
            LogRetentionDays = Number(node, "logRetentionDays") ?? defaults.LogRetentionDays,
            ApiReservedConcurrency = Number(node, "apiReservedConcurrency") ?? defaults.ApiReservedConcurrency,
            ProcessorReservedConcurrency = Number(node, "processorReservedConcurrency") ?? defaults.ProcessorReservedConcurrency,
            SweepPeriodMinutes = Number(node, "sweepPeriodMinutes") ?? defaults.SweepPeriodMinutes,
            ApiRateLimit = Number(node, "apiRateLimit") ?? defaults.ApiRateLimit,
            ApiBurstLimit = Number(node, "apiBurstLimit") ?? defaults.ApiBurstLimit,
            WafRateLimit = Number(node, "wafRateLimit") ?? defaults.WafRateLimit,
            AlarmEmail = Text(node, "alarmEmail"),
            MailSender = Text(node, "mailSender") ?? "",
        }.Validated();
    }

    private Settings Validated()
    {
        if (!Core.Accounts.EmailAddress.TryNormalize(MailSender, out _))
        {
            throw new ArgumentException("Context 'mailSender' is required: an address of a verified SES identity (docs/mail.md), e.g. -c mailSender=no-reply@example.com.");
        }

        if ((DomainName is null) != (CertificateArn is null))
        {
            throw new ArgumentException("Context 'domainName' and 'certificateArn' go together.");
        }

        return SessionLifetimeDays is > 0 and <= 365 && WebAdapterLayerVersion > 0
            ? this
            : throw new ArgumentException("Context 'sessionLifetimeDays' must be 1..365 and 'webAdapterLayerVersion' positive.");
    }

    private static string? Text(Node node, string key) =>
        node.TryGetContext(key) is { } value && Convert.ToString(value, CultureInfo.InvariantCulture) is { Length: > 0 } text ? text : null;

    private static int? Number(Node node, string key) =>
        Text(node, key) is { } text ? int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;
}
