using Amazon.CDK;

using Constructs;

namespace Enclave.Cdk;

/// <summary>Composes the constructs; every decision lives in one of them.</summary>
public sealed class EnclaveStack : Stack
{
    public Data Data { get; }

    public Secrets Secrets { get; }

    public UserDataAccess UserData { get; }

    public Api Api { get; }

    public Processor Processor { get; }

    public AuditDigestSchedule DigestSchedule { get; }

    public Edge Edge { get; }

    public Audit Audit { get; }

    public Observability Observability { get; }

    public EnclaveStack(Construct scope, string id, Settings settings, string webAclArn, IStackProps props) : base(scope, id, props)
    {
        Data = new Data(this, "Data", new DataProps(settings));
        Secrets = new Secrets(this, "Secrets", new SecretsProps(settings));

        var apiRole = AppFunction.NewRole(this, "ApiRole", "Enclave API function: identity and audit tables; user data only through the user-data role.");
        var processorRole = AppFunction.NewRole(this, "ProcessorRole", "Enclave processor function: stream, audit records; user data only through the user-data role.");
        UserData = new UserDataAccess(this, "UserData", new UserDataAccessProps(
            [apiRole, processorRole], Data.UploadBucketArn, Data.DataTable.TableArn, Data.AuditTable.TableArn));

        var configuration = new Dictionary<string, string>
        {
            ["Enclave__Storage__IdentityTable"] = Data.IdentityTable.TableName,
            ["Enclave__Storage__DataTable"] = Data.DataTable.TableName,
            ["Enclave__Storage__AuditTable"] = Data.AuditTable.TableName,
            ["Enclave__Storage__UploadBucket"] = Data.UploadBucketName,
            ["Enclave__Secrets__CookieKeyName"] = Secrets.CookieKeyName,
            ["Enclave__Secrets__AuditKeyName"] = Secrets.AuditKeyName,
            ["Enclave__UserData__RoleArn"] = UserData.Role.RoleArn,
            ["Enclave__Web__UploadOrigin"] = Data.UploadOrigin,
        };
        // Only requests carrying CloudFront's origin secret are served, so CloudFront-Viewer-Address (set by CloudFront,
        // any client value overwritten) is the client; the processor serves no viewer and gets neither setting.
        var apiConfiguration = new Dictionary<string, string>(configuration)
        {
            ["Enclave__ClientAddress"] = "CloudFrontViewerAddress",
            ["Enclave__OriginSecretName"] = Secrets.OriginVerifyName,
            ["Enclave__Mail__SmtpHost"] = $"email-smtp.{Aws.REGION}.{Aws.URL_SUFFIX}",
            ["Enclave__Mail__SmtpPort"] = "587",
            ["Enclave__Mail__Sender"] = settings.MailSender,
            ["Enclave__Mail__CredentialsSecretName"] = Secrets.SmtpCredentialsName,
        };
        Api = new Api(this, "Api", new ApiProps(settings, Data, Secrets, apiRole, apiConfiguration));
        Processor = new Processor(this, "Processor", new ProcessorProps(settings, Data, Secrets, processorRole, configuration));
        DigestSchedule = new AuditDigestSchedule(this, "AuditDigestSchedule", new AuditDigestScheduleProps(Processor.App, processorRole, Data.AuditTable));

        Edge = new Edge(this, "Edge", new EdgeProps(
            settings, $"{Api.HttpApi.ApiId}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}", Data.UploadOrigin, webAclArn, Data.LogBucket,
            Secrets.OriginVerify.SecretValueFromJson(Core.Secrets.OriginSecret.CurrentField).UnsafeUnwrap()));
        var siteOrigin = Edge.SiteOrigin(settings, Edge.Distribution);
        Data.AllowUploadsFrom(siteOrigin);
        // Links in mail point at the site itself, never at a request's Host header.
        Api.App.Function.AddEnvironment("Enclave__Mail__SiteOrigin", siteOrigin);

        Audit = new Audit(this, "Audit", new AuditProps(Data.AuditTable, Secrets));
        Observability = new Observability(this, "Observability", new ObservabilityProps(
            settings, Api.HttpApi, Api.App, Processor.App, Processor.DeadLetters));

        Output("SiteUrl", siteOrigin);
        Output("DistributionDomain", Edge.Distribution.DistributionDomainName);
        Output("AuditorRoleArn", Audit.AuditorRole.RoleArn);
        Output("AuditTableName", Data.AuditTable.TableName);
        Output("AuditKeySecretName", Secrets.AuditKeyName);
        Output("UploadBucketName", Data.UploadBucketName);
        Output("UserDataRoleArn", UserData.Role.RoleArn);
        Output("AlarmTopicArn", Observability.Alarms.TopicArn);
    }

    private void Output(string id, string value) => _ = new CfnOutput(this, id, new CfnOutputProps { Value = value });
}
