using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AwsApigatewayv2Integrations;

using Constructs;

using Enclave.Core.Accounts;

namespace Enclave.Cdk;

public sealed record ApiProps(Settings Settings, Data Data, Secrets Secrets, IRole Role, IReadOnlyDictionary<string, string> Configuration);

/// <summary>
/// The API function and its HTTP API. The function's own role reaches the identity and audit tables only;
/// every user object and item is reached through the user-data role (UserDataAccess), never directly.
/// </summary>
public sealed class Api : Construct
{
    public AppFunction App { get; }

    public HttpApi HttpApi { get; }

    public Api(Construct scope, string id, ApiProps props) : base(scope, id)
    {
        App = new AppFunction(this, "App", new AppFunctionProps(
            props.Settings,
            props.Role,
            "Api",
            props.Configuration,
            props.Settings.ApiReservedConcurrency,
            Duration.Seconds(29),
            new Dictionary<string, string> { ["AWS_LWA_READINESS_CHECK_PATH"] = "/api/health" }));

        GrantTableAccess(props);
        Secrets.GrantRead(props.Role, (props.Secrets.CookieKey, props.Secrets.CookieKeyName), (props.Secrets.AuditKey, props.Secrets.AuditKeyName),
            (props.Secrets.OriginVerify, props.Secrets.OriginVerifyName), (props.Secrets.SmtpCredentials, props.Secrets.SmtpCredentialsName));

        var accessLogs = new LogGroup(this, "AccessLogs", new LogGroupProps { Retention = RetentionDays.ONE_MONTH, RemovalPolicy = RemovalPolicy.DESTROY });
        HttpApi = new HttpApi(this, "HttpApi", new HttpApiProps
        {
            Description = "Enclave API; the site reaches it through CloudFront's /api/* behaviour.",
            DefaultIntegration = new HttpLambdaIntegration("App", App.Function),
            CreateDefaultStage = false,
        });
        var stage = new HttpStage(this, "Stage", new HttpStageProps
        {
            HttpApi = HttpApi,
            StageName = "$default",
            AutoDeploy = true,
            Throttle = new ThrottleSettings { RateLimit = props.Settings.ApiRateLimit, BurstLimit = props.Settings.ApiBurstLimit },
        });
        var cfnStage = (CfnStage)stage.Node.DefaultChild!;
        cfnStage.AccessLogSettings = new CfnStage.AccessLogSettingsProperty
        {
            DestinationArn = accessLogs.LogGroupArn,
            Format = AccessLogFormat,
        };
    }

    /// <summary>No request body, header or query string: those may hold user data.</summary>
    private const string AccessLogFormat =
        """{"requestId":"$context.requestId","time":"$context.requestTimeEpoch","method":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status","latencyMs":"$context.responseLatency","integrationError":"$context.integrationErrorMessage","sourceIp":"$context.identity.sourceIp"}""";

    private static void GrantTableAccess(ApiProps props)
    {
        var data = props.Data;
        props.Role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = [.. ApiIdentityActions],
            Resources = [data.IdentityTable.TableArn],
        }));
        props.Role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            // Roles are granted by the operator tool only: a flaw in the API cannot make anyone an auditor.
            Effect = Effect.DENY,
            Actions = ["dynamodb:PutItem", "dynamodb:UpdateItem"],
            Resources = [data.IdentityTable.TableArn],
            Conditions = new Dictionary<string, object>
            {
                ["ForAnyValue:StringEquals"] = new Dictionary<string, object> { ["dynamodb:Attributes"] = new[] { RoleGrants.RolesAttribute } },
            },
        }));
        props.Role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            // Any actor: failed sign-ins are recorded under ACTOR#anonymous. Reads serve GET /api/audit.
            Actions = ["dynamodb:PutItem", "dynamodb:Query", "dynamodb:GetItem"],
            Resources = [data.AuditTable.TableArn, $"{data.AuditTable.TableArn}/index/*"],
        }));
        props.Role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            // Readiness only: the API has no item access to the data table.
            Actions = ["dynamodb:DescribeTable"],
            Resources = [data.DataTable.TableArn],
        }));
        props.Role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["s3:GetBucketLocation"],
            Resources = [data.UploadBucketArn],
        }));
    }

    public static readonly IReadOnlyList<string> ApiIdentityActions =
    [
        // Query: account erasure and password changes find the sign-ins under the account partition.
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
    ];
}
