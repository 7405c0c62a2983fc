using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;

using Constructs;

using Function = Amazon.CDK.AWS.Lambda.Function;

namespace Enclave.Cdk;

public sealed record AppFunctionProps(
    Settings Settings,
    IRole Role,
    string EnclaveRole,
    IReadOnlyDictionary<string, string> Configuration,
    int ReservedConcurrency,
    Duration Timeout,
    IReadOnlyDictionary<string, string> AdapterSettings);

/// <summary>
/// The one Native AOT binary on provided.al2023 behind the Lambda Web Adapter. x86_64 because the AOT
/// build is linux-x64 (the build machines have no arm64 cross toolchain); the asset folder's
/// <c>bootstrap</c> is that binary (scripts/package-lambda.sh).
/// </summary>
public sealed class AppFunction : Construct
{
    public const string AppPort = "8080";

    public Function Function { get; }

    public LogGroup LogGroup { get; }

    public AppFunction(Construct scope, string id, AppFunctionProps props) : base(scope, id)
    {
        LogGroup = new LogGroup(this, "Logs", new LogGroupProps
        {
            Retention = RetentionFrom(props.Settings.LogRetentionDays),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        // Written by hand instead of AWSLambdaBasicExecutionRole, whose log actions cover every log group.
        props.Role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resources = [LogGroup.LogGroupArn],
        }));

        var environment = new Dictionary<string, string>(props.Configuration)
        {
            ["Enclave__Mode"] = "Aws",
            ["Enclave__Role"] = props.EnclaveRole,
            ["PORT"] = AppPort,
            ["AWS_LWA_PORT"] = AppPort,
        };
        foreach (var (key, value) in props.AdapterSettings)
        {
            environment[key] = value;
        }

        Function = new Function(this, "Function", new FunctionProps
        {
            Runtime = Runtime.PROVIDED_AL2023,
            Architecture = Architecture.X86_64,
            Handler = "bootstrap",
            Code = Code.FromAsset(props.Settings.AppAssetPath),
            Layers = [WebAdapterLayer(props.Settings.WebAdapterLayerVersion)],
            Role = props.Role,
            MemorySize = 1024,
            Timeout = props.Timeout,
            ReservedConcurrentExecutions = props.ReservedConcurrency,
            Environment = environment,
            LogGroup = LogGroup,
            LoggingFormat = LoggingFormat.JSON,
            Tracing = Tracing.ACTIVE,
        });
    }

    /// <summary>A function role with nothing but the Lambda trust; each concern grants what it needs.</summary>
    public static Role NewRole(Construct scope, string id, string description) => new(scope, id, new RoleProps
    {
        AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
        Description = description,
    });

    public static string WebAdapterLayerArn(int version) =>
        $"arn:{Aws.PARTITION}:lambda:{Aws.REGION}:753240598075:layer:LambdaAdapterLayerX86:{version}";

    private ILayerVersion WebAdapterLayer(int version) =>
        LayerVersion.FromLayerVersionArn(this, "WebAdapter", WebAdapterLayerArn(version));

    private static RetentionDays RetentionFrom(int days) => days switch
    {
        <= 7 => RetentionDays.ONE_WEEK,
        <= 30 => RetentionDays.ONE_MONTH,
        <= 90 => RetentionDays.THREE_MONTHS,
        <= 365 => RetentionDays.ONE_YEAR,
        _ => RetentionDays.TWO_YEARS,
    };
}
