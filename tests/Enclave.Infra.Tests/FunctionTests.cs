using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.IAM;
using Enclave.Cdk;

namespace Enclave.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class FunctionTests(SynthesizedApp synth)
{
    private static Dictionary<string, object> Obj(params (string Key, object Value)[] entries) => entries.ToDictionary(e => e.Key, e => e.Value);

    private JsonNode Api => synth.Resource(synth.Main.Api.App.Function)["Properties"]!;

    private JsonNode Processor => synth.Resource(synth.Main.Processor.App.Function)["Properties"]!;

    public static TheoryData<string> Roles => ["Api", "Processor"];

    private JsonNode Function(string role) => role == "Api" ? Api : Processor;

    [Theory]
    [MemberData(nameof(Roles))]
    public void Both_functions_are_the_aot_binary_on_provided_al2023_x86_64_with_the_pinned_web_adapter(string role)
    {
        var function = Function(role);
        Assert.Equal("provided.al2023", (string)function["Runtime"]!);
        Assert.Equal("bootstrap", (string)function["Handler"]!);
        Assert.Equal(["x86_64"], function["Architectures"]!.AsArray().Select(a => (string)a!));
        var layer = Assert.Single(function["Layers"]!.AsArray())!.ToJsonString();
        Assert.Contains(":753240598075:layer:LambdaAdapterLayerX86:30", layer);
        Assert.True((int)function["ReservedConcurrentExecutions"]! > 0);
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void Both_functions_get_the_full_configuration(string role)
    {
        var env = Function(role)["Environment"]!["Variables"]!.AsObject();
        Assert.Equal("Aws", (string)env["Enclave__Mode"]!);
        Assert.Equal(role, (string)env["Enclave__Role"]!);
        Assert.Equal(AppFunction.AppPort, (string)env["AWS_LWA_PORT"]!);
        Assert.Equal(AppFunction.AppPort, (string)env["PORT"]!);
        Assert.Equal("/api/health", (string)env["AWS_LWA_READINESS_CHECK_PATH"]!);
        Assert.Equal("enclave/cookie-key", (string)env["Enclave__Secrets__CookieKeyName"]!);
        Assert.Equal("enclave/audit-key", (string)env["Enclave__Secrets__AuditKeyName"]!);
        Assert.Contains(synth.LogicalId(synth.Main.Data.IdentityTable), env["Enclave__Storage__IdentityTable"]!.ToJsonString());
        Assert.Contains(synth.LogicalId(synth.Main.Data.DataTable), env["Enclave__Storage__DataTable"]!.ToJsonString());
        Assert.Contains(synth.LogicalId(synth.Main.Data.AuditTable), env["Enclave__Storage__AuditTable"]!.ToJsonString());
        Assert.Contains("enclave-uploads-", env["Enclave__Storage__UploadBucket"]!.ToJsonString());
        Assert.Contains(synth.LogicalId(synth.Main.UserData.Role), env["Enclave__UserData__RoleArn"]!.ToJsonString());
        Assert.Contains(".s3.", env["Enclave__Web__UploadOrigin"]!.ToJsonString());
        Assert.StartsWith("https://", (string)env["Enclave__Web__UploadOrigin"]!["Fn::Join"]![1]![0]!);
    }

    [Fact]
    public void Only_the_api_checks_the_origin_secret_and_takes_the_viewer_address_from_cloudfront()
    {
        var api = Function("Api")["Environment"]!["Variables"]!.AsObject();
        Assert.Equal("CloudFrontViewerAddress", (string)api["Enclave__ClientAddress"]!);
        Assert.Equal("enclave/origin-verify", (string)api["Enclave__OriginSecretName"]!);
        var processor = Processor["Environment"]!["Variables"]!.AsObject();
        Assert.False(processor.ContainsKey("Enclave__ClientAddress"));
        Assert.False(processor.ContainsKey("Enclave__OriginSecretName"));
    }

    [Fact]
    public void Only_the_api_sends_mail_through_ses_smtp_with_links_to_the_site_and_credentials_it_alone_may_read()
    {
        var api = Function("Api")["Environment"]!["Variables"]!.AsObject();
        Assert.Contains("email-smtp.", api["Enclave__Mail__SmtpHost"]!.ToJsonString());
        Assert.Equal("587", (string)api["Enclave__Mail__SmtpPort"]!);
        Assert.Equal(SynthesizedApp.MailSender, (string)api["Enclave__Mail__Sender"]!);
        Assert.Equal("enclave/smtp-credentials", (string)api["Enclave__Mail__CredentialsSecretName"]!);
        Assert.Contains(synth.LogicalId(synth.Main.Edge.Distribution), api["Enclave__Mail__SiteOrigin"]!.ToJsonString());
        Assert.DoesNotContain(Processor["Environment"]!["Variables"]!.AsObject(), v => v.Key.StartsWith("Enclave__Mail__", StringComparison.Ordinal));

        var secret = synth.LogicalId(synth.Main.Secrets.SmtpCredentials);
        bool Reads(IRole role) => RoleStatements.Of(synth, role).Any(s =>
            RoleStatements.Actions(s).Contains("secretsmanager:GetSecretValue") && s["Resource"]!.ToJsonString().Contains(secret, StringComparison.Ordinal));
        Assert.True(Reads(synth.Main.Api.App.Function.Role!));
        Assert.False(Reads(synth.Main.Processor.App.Function.Role!));
    }

    [Fact]
    public void Only_the_processor_takes_events_on_the_pass_through_path()
    {
        Assert.Equal(Enclave.Cdk.Processor.EventsPath, (string)Processor["Environment"]!["Variables"]!["AWS_LWA_PASS_THROUGH_PATH"]!);
        Assert.Null(Api["Environment"]!["Variables"]!["AWS_LWA_PASS_THROUGH_PATH"]);
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void Logs_go_to_a_log_group_with_retention(string role)
    {
        var app = role == "Api" ? synth.Main.Api.App : synth.Main.Processor.App;
        Assert.Equal(30, (int)synth.Resource(app.LogGroup)["Properties"]!["RetentionInDays"]!);
        Assert.Contains(synth.LogicalId(app.LogGroup), Function(role)["LoggingConfig"]!.ToJsonString());
    }

    [Fact]
    public void Processor_reads_the_data_stream_with_partial_batch_failures_retries_bisect_parallel_batches_and_a_dead_letter_queue()
    {
        synth.MainTemplate.HasResourceProperties("AWS::Lambda::EventSourceMapping", Obj(
            ("ParallelizationFactor", 4),
            ("FunctionName", Obj(("Ref", synth.LogicalId(synth.Main.Processor.App.Function)))),
            ("EventSourceArn", Obj(("Fn::GetAtt", new object[] { synth.LogicalId(synth.Main.Data.DataTable), "StreamArn" }))),
            ("FunctionResponseTypes", new object[] { "ReportBatchItemFailures" }),
            ("BisectBatchOnFunctionError", true),
            ("MaximumRetryAttempts", 5),
            ("DestinationConfig", Obj(("OnFailure", Obj(("Destination", Obj(("Fn::GetAtt", new object[] { synth.LogicalId(synth.Main.Processor.DeadLetters), "Arn" })))))))));
    }

    [Fact]
    public void Processor_is_woken_only_by_user_upload_items_that_became_uploaded()
    {
        var mapping = synth.MainResources.Select(r => r.Value!).Single(r => (string)r["Type"]! == "AWS::Lambda::EventSourceMapping");
        var pattern = JsonNode.Parse((string)mapping["Properties"]!["FilterCriteria"]!["Filters"]![0]!["Pattern"]!)!;
        var image = pattern["dynamodb"]!["NewImage"]!;
        Assert.Equal("USER#", (string)image["pk"]!["S"]![0]!["prefix"]!);
        Assert.Equal("UPLOAD#", (string)image["sk"]!["S"]![0]!["prefix"]!);
        Assert.Equal("uploaded", (string)image["status"]!["S"]![0]!);
    }

    [Fact]
    public void Dead_letter_queue_is_encrypted_and_tls_only()
    {
        synth.MainTemplate.HasResourceProperties("AWS::SQS::Queue", Obj(("SqsManagedSseEnabled", true), ("MessageRetentionPeriod", 1209600)));
        synth.MainTemplate.HasResourceProperties("AWS::SQS::QueuePolicy", Obj(("PolicyDocument", Obj(("Statement", Match.ArrayWith([Match.ObjectLike(Obj(
            ("Effect", "Deny"), ("Condition", Obj(("Bool", Obj(("aws:SecureTransport", "false")))))))]))))));
    }

    [Fact]
    public void Http_api_is_throttled_and_logs_access()
    {
        synth.MainTemplate.HasResourceProperties("AWS::ApiGatewayV2::Stage", Obj(
            ("StageName", "$default"),
            ("DefaultRouteSettings", Obj(("ThrottlingRateLimit", 100), ("ThrottlingBurstLimit", 200))),
            ("AccessLogSettings", Match.ObjectLike(Obj(("DestinationArn", Match.AnyValue()), ("Format", Match.StringLikeRegexp("\\$context.requestId")))))));
    }
}
